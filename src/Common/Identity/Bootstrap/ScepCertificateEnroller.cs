using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;

namespace CleverCloud.Identity.Bootstrap;

/// <summary><see cref="ICertificateEnroller"/> over the project's RFC 8894 <see cref="ScepClient"/>.</summary>
public sealed class ScepCertificateEnroller(ScepClient client, TimeSpan pollInterval, TimeSpan maxWait) : ICertificateEnroller
{
    public async Task<X509Certificate2> EnrollAsync(string xmppAddress, AgentRole role, string challenge, AsymmetricAlgorithm key, CancellationToken cancellationToken)
    {
        var request = new EnrollmentRequest
        {
            XmppAddress = xmppAddress,
            Role = role,
            ChallengePassword = challenge,
            Key = key,
            PollInterval = pollInterval,
            MaxWait = maxWait,
        };
        try
        {
            return await client.EnrollAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (ScepException exception)
        {
            throw new EnrollmentException($"Enrollment of {xmppAddress} failed: {exception.Message}", exception.IsTransient, exception);
        }
    }

    public async Task<X509Certificate2> RenewAsync(X509Certificate2 currentWithKey, AsymmetricAlgorithm newKey, CancellationToken cancellationToken)
    {
        try
        {
            return await client.RenewAsync(currentWithKey, newKey, cancellationToken).ConfigureAwait(false);
        }
        catch (ScepException exception)
        {
            throw new EnrollmentException($"Renewal of {currentWithKey.Subject} failed: {exception.Message}", exception.IsTransient, exception);
        }
    }
}
