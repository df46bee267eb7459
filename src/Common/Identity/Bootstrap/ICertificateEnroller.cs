using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Identity.Bootstrap;

/// <summary>Obtains certificates from the cluster CA (SCEP in production: <see cref="ScepCertificateEnroller"/>).</summary>
public interface ICertificateEnroller
{
    /// <summary>First enrollment: a certificate for <paramref name="key"/>, returned with that private key attached.</summary>
    /// <exception cref="EnrollmentException">The CA did not issue (IsTransient says whether to retry).</exception>
    Task<X509Certificate2> EnrollAsync(string xmppAddress, AgentRole role, string challenge, AsymmetricAlgorithm key, CancellationToken cancellationToken);

    /// <summary>Renewal authenticated by the current certificate; returns the new certificate with <paramref name="newKey"/>.</summary>
    /// <exception cref="EnrollmentException">The CA did not issue.</exception>
    Task<X509Certificate2> RenewAsync(X509Certificate2 currentWithKey, AsymmetricAlgorithm newKey, CancellationToken cancellationToken);
}
