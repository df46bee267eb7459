using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Keystore;
using CleverCloud.Identity.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Bootstrap;

/// <summary>
/// Establishes the agent's identity at start (paper §IV-A): load the keystore when it exists and check it is this
/// agent's; otherwise create a key, enroll through SCEP with the configured challenge, check what the CA issued and
/// save the keystore. Also performs renewals for <see cref="CertificateRenewalService"/>.
/// </summary>
public sealed class IdentityBootstrapper
{
    private readonly IdentityOptions options;
    private readonly ICertificateEnroller enroller;
    private readonly ILogger<IdentityBootstrapper> logger;
    private readonly ILoggerFactory loggerFactory;
    private readonly TimeProvider timeProvider;
    private readonly X509Certificate2 clusterCa;
    private readonly CertificateValidator validator;
    private readonly Pkcs12Keystore keystore;

    /// <exception cref="OptionsValidationException">The options are invalid; the message names each bad setting.</exception>
    /// <exception cref="SecretFileException">The keystore password file is refused.</exception>
    public IdentityBootstrapper(IdentityOptions options, ICertificateEnroller enroller, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(enroller);
        this.loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        logger = this.loggerFactory.CreateLogger<IdentityBootstrapper>();
        var validation = new IdentityOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            BootstrapLog.Refused(logger, validation.FailureMessage);
            throw new OptionsValidationException(nameof(IdentityOptions), typeof(IdentityOptions), validation.Failures);
        }
        this.options = options;
        this.enroller = enroller;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        clusterCa = CertificateValidator.LoadCaCertificate(options.CaCertificateFile);
        validator = new CertificateValidator(clusterCa, this.timeProvider);
        keystore = new Pkcs12Keystore(
            options.KeystorePath,
            Pkcs12Keystore.ResolvePassword(options.KeystorePassword, options.KeystorePasswordFile),
            this.loggerFactory.CreateLogger<Pkcs12Keystore>());
    }

    public string KeystorePath => keystore.Path;

    /// <summary>Loads the keystore, or enrolls and writes it when there is none (or it expired and a challenge is configured).</summary>
    /// <exception cref="IdentityBootstrapException">The keystore is another agent's, untrusted, or expired without a challenge.</exception>
    /// <exception cref="KeystoreException">The keystore cannot be opened (wrong password, corrupt).</exception>
    /// <exception cref="EnrollmentException">The CA did not issue within <see cref="IdentityOptions.EnrollmentMaxWait"/>.</exception>
    public async Task<AgentIdentity> LoadOrEnrollAsync(CancellationToken cancellationToken)
    {
        if (keystore.Exists)
        {
            var contents = keystore.Load();
            var (address, role) = CertificateIdentity.Read(contents.Certificate);
            if (!string.Equals(address, options.XmppAddress, StringComparison.OrdinalIgnoreCase))
            {
                contents.Dispose();
                throw Refuse(IdentityFailure.AddressMismatch,
                    $"the keystore '{keystore.Path}' holds the identity of '{address ?? "no address"}', but Identity:XmppAddress is '{options.XmppAddress}'. Point Identity:KeystorePath at this agent's keystore, or remove the file to enroll again.");
            }
            if (role != options.Role)
            {
                contents.Dispose();
                throw Refuse(IdentityFailure.RoleMismatch,
                    $"the keystore '{keystore.Path}' holds a {role?.ToString() ?? "role-less"} certificate, but Identity:Role is {options.Role}.");
            }
            var check = validator.Validate(contents.Certificate, options.XmppAddress);
            if (check.Status == PeerCertificateStatus.Expired && HasChallenge)
            {
                BootstrapLog.ReEnrollingExpired(logger, options.XmppAddress, new DateTimeOffset(contents.Certificate.NotAfter.ToUniversalTime()));
                contents.Dispose();
                return await EnrollAsync(cancellationToken).ConfigureAwait(false);
            }
            if (!check.IsValid)
            {
                contents.Dispose();
                var failure = check.Status == PeerCertificateStatus.Expired ? IdentityFailure.Expired : IdentityFailure.Untrusted;
                throw Refuse(failure, $"the keystore certificate in '{keystore.Path}' is not usable: {check.Reason}. Configure a new Identity:Challenge and remove the keystore to enroll again.");
            }
            var identity = new AgentIdentity(options.XmppAddress, options.Role, contents.Certificate, contents.Chain);
            BootstrapLog.Loaded(logger, identity.XmppAddress, options.Role.ToWire(), keystore.Path, identity.Certificate.SerialNumber, identity.NotAfter);
            return identity;
        }
        return await EnrollAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews <paramref name="current"/> with a fresh key, checks the result and replaces the keystore atomically.</summary>
    public async Task<AgentIdentity> RenewAsync(AgentIdentity current, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(current);
        using var newKey = CreateKey();
        var issued = await enroller.RenewAsync(current.Certificate, newKey, cancellationToken).ConfigureAwait(false);
        var renewed = AcceptIssued(issued);
        BootstrapLog.Renewed(logger, renewed.XmppAddress, current.Certificate.SerialNumber, renewed.Certificate.SerialNumber, renewed.NotAfter);
        return renewed;
    }

    private bool HasChallenge => !string.IsNullOrEmpty(options.Challenge) || options.ChallengeFile is not null;

    private async Task<AgentIdentity> EnrollAsync(CancellationToken cancellationToken)
    {
        if (!HasChallenge)
        {
            throw Refuse(IdentityFailure.NotConfigured, $"enrollment is needed for '{options.XmppAddress}' but neither Identity:Challenge nor Identity:ChallengeFile is set.");
        }
        var challenge = options.Challenge ?? SecretFile.Read(options.ChallengeFile!);
        using var key = CreateKey();
        BootstrapLog.Enrolling(logger, keystore.Path, options.XmppAddress, options.Role.ToWire(), options.KeyAlgorithm.ToString());
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var delay = options.EnrollmentPollInterval;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // The same key on every attempt: the CA correlates retries of one request by its public key.
                var issued = await enroller.EnrollAsync(options.XmppAddress, options.Role, challenge, key, cancellationToken).ConfigureAwait(false);
                var identity = AcceptIssued(issued);
                BootstrapLog.Enrolled(logger, identity.XmppAddress, identity.Certificate.SerialNumber, identity.NotAfter, keystore.Path);
                return identity;
            }
            catch (EnrollmentException exception) when (exception.IsTransient && waited.Elapsed + delay < options.EnrollmentMaxWait)
            {
                BootstrapLog.EnrollmentRetry(logger, attempt, delay, exception);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.RenewalRetryMax.Ticks));
            }
        }
    }

    /// <summary>Checks an issued certificate is this agent's and trusted, then writes the keystore (nothing is written otherwise).</summary>
    private AgentIdentity AcceptIssued(X509Certificate2 issued)
    {
        if (!issued.HasPrivateKey)
        {
            issued.Dispose();
            throw Refuse(IdentityFailure.Untrusted, "the enroller returned a certificate without the private key");
        }
        var check = validator.Validate(issued, options.XmppAddress);
        if (!check.IsValid)
        {
            issued.Dispose();
            var failure = check.Status == PeerCertificateStatus.AddressMismatch ? IdentityFailure.AddressMismatch : IdentityFailure.Untrusted;
            throw Refuse(failure, $"the CA issued a certificate that is not usable for '{options.XmppAddress}': {check.Reason}");
        }
        if (check.Role != options.Role)
        {
            issued.Dispose();
            throw Refuse(IdentityFailure.RoleMismatch, $"the CA issued a {check.Role} certificate, but Identity:Role is {options.Role}");
        }
        var chain = new X509Certificate2Collection(X509CertificateLoader.LoadCertificate(clusterCa.RawData));
        keystore.Save(issued, chain);
        return new AgentIdentity(options.XmppAddress, options.Role, issued, chain);
    }

    private AsymmetricAlgorithm CreateKey() => options.KeyAlgorithm switch
    {
        KeyAlgorithm.Rsa2048 => RSA.Create(2048),
        _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
    };

    private IdentityBootstrapException Refuse(IdentityFailure failure, string reason)
    {
        BootstrapLog.Refused(logger, reason);
        return new IdentityBootstrapException(failure, $"Agent identity refused: {reason}");
    }
}
