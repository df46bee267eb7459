using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Keystore;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Bootstrap;

public enum KeyAlgorithm
{
    /// <summary>ECDSA on NIST P-256 (default: small, and .NET's implementation is fast).</summary>
    EcdsaP256,

    Rsa2048,
}

/// <summary>The agent's own identity. Bound from configuration (section "Identity").</summary>
public sealed class IdentityOptions
{
    /// <summary>The agent's bare JID, e.g. hm1@cluster.example: the certificate's id-on-xmppAddr and LDAP key.</summary>
    public string XmppAddress { get; set; } = string.Empty;

    public AgentRole Role { get; set; }

    /// <summary>The PKCS#12 keystore file (created at first start, replaced atomically on renewal).</summary>
    public string KeystorePath { get; set; } = string.Empty;

    public string? KeystorePassword { get; set; }

    /// <summary>File holding the keystore password (mode 0600); used when <see cref="KeystorePassword"/> is not set.</summary>
    public string? KeystorePasswordFile { get; set; }

    /// <summary>The CA's SCEP endpoint, e.g. http://ca.cluster.example:8080/scep (required: first start and renewal).</summary>
    public string? ScepUrl { get; set; }

    /// <summary>The one-time enrollment challenge the administrator created for this address and role.</summary>
    public string? Challenge { get; set; }

    /// <summary>File holding the challenge (mode 0600); used when <see cref="Challenge"/> is not set.</summary>
    public string? ChallengeFile { get; set; }

    /// <summary>The cluster CA certificate (PEM or DER): the trust anchor for SCEP, own and peer certificates.</summary>
    public string CaCertificateFile { get; set; } = string.Empty;

    public KeyAlgorithm KeyAlgorithm { get; set; } = KeyAlgorithm.EcdsaP256;

    /// <summary>Renew when this fraction of the certificate's lifetime has passed.</summary>
    public double RenewalFraction { get; set; } = 2.0 / 3.0;

    /// <summary>First retry delay after a failed renewal; doubles (with ±20 % jitter) up to <see cref="RenewalRetryMax"/>.</summary>
    public TimeSpan RenewalRetryMin { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RenewalRetryMax { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long first-start enrollment keeps retrying while the CA is unreachable or answers PENDING.</summary>
    public TimeSpan EnrollmentMaxWait { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan EnrollmentPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound of one HTTP exchange with the SCEP server.</summary>
    public TimeSpan ScepHttpTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks <see cref="IdentityOptions"/>; each failure names the setting.</summary>
public sealed class IdentityOptionsValidator : IValidateOptions<IdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var address = options.XmppAddress;
        if (string.IsNullOrWhiteSpace(address) || address.Contains('/', StringComparison.Ordinal) || address.Any(char.IsWhiteSpace))
        {
            failures.Add($"Identity:XmppAddress '{address}' must be a bare JID such as hm1@cluster.example (no resource, no spaces).");
        }
        if (!Enum.IsDefined(options.Role))
        {
            failures.Add($"Identity:Role '{options.Role}' must be ClusterManager, HostManager or Administrator.");
        }
        if (string.IsNullOrWhiteSpace(options.KeystorePath))
        {
            failures.Add("Identity:KeystorePath is required.");
        }
        if (options.KeystorePassword is not null && options.KeystorePasswordFile is not null)
        {
            failures.Add("Identity:KeystorePassword and Identity:KeystorePasswordFile are both set; set one.");
        }
        else if (string.IsNullOrEmpty(options.KeystorePassword) && options.KeystorePasswordFile is null)
        {
            failures.Add("Identity:KeystorePassword or Identity:KeystorePasswordFile is required.");
        }
        CheckSecretFile(options.KeystorePasswordFile, "Identity:KeystorePasswordFile", failures);
        if (string.IsNullOrWhiteSpace(options.CaCertificateFile) || !File.Exists(options.CaCertificateFile))
        {
            failures.Add($"Identity:CaCertificateFile '{options.CaCertificateFile}' must name the cluster CA certificate file.");
        }
        if (options.ScepUrl is null)
        {
            failures.Add("Identity:ScepUrl is required: the agent enrolls there at first start and renews there before expiry.");
        }
        else if (!Uri.TryCreate(options.ScepUrl, UriKind.Absolute, out var scep) || (scep.Scheme != Uri.UriSchemeHttp && scep.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"Identity:ScepUrl '{options.ScepUrl}' must be an absolute http:// or https:// URL.");
        }
        if (options.Challenge is not null && options.ChallengeFile is not null)
        {
            failures.Add("Identity:Challenge and Identity:ChallengeFile are both set; set one.");
        }
        CheckSecretFile(options.ChallengeFile, "Identity:ChallengeFile", failures);
        var keystoreExists = !string.IsNullOrWhiteSpace(options.KeystorePath) && File.Exists(options.KeystorePath);
        if (!keystoreExists)
        {
            // First start: enrollment must be possible.
            if (string.IsNullOrEmpty(options.Challenge) && options.ChallengeFile is null)
            {
                failures.Add($"Identity:Challenge or Identity:ChallengeFile is required: there is no keystore at '{options.KeystorePath}' yet, so the agent must enroll.");
            }
        }
        if (options.RenewalFraction is <= 0.1 or >= 0.95 || double.IsNaN(options.RenewalFraction))
        {
            failures.Add($"Identity:RenewalFraction {options.RenewalFraction} must be between 0.1 and 0.95 (default 2/3).");
        }
        if (options.RenewalRetryMin <= TimeSpan.Zero || options.RenewalRetryMax < options.RenewalRetryMin)
        {
            failures.Add($"Identity:RenewalRetryMin {options.RenewalRetryMin} must be positive and at most Identity:RenewalRetryMax {options.RenewalRetryMax}.");
        }
        if (options.EnrollmentMaxWait <= TimeSpan.Zero || options.EnrollmentPollInterval <= TimeSpan.Zero)
        {
            failures.Add("Identity:EnrollmentMaxWait and Identity:EnrollmentPollInterval must be positive.");
        }
        if (options.ScepHttpTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Identity:ScepHttpTimeout {options.ScepHttpTimeout} must be positive.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckSecretFile(string? path, string setting, List<string> failures)
    {
        if (path is null)
        {
            return;
        }
        try
        {
            _ = SecretFile.Read(path);
        }
        catch (SecretFileException exception)
        {
            failures.Add($"{setting}: {exception.Message}");
        }
    }
}
