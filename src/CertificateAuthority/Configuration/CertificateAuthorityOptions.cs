using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace CleverCloud.CertificateAuthority.Configuration;

public enum CaKeyAlgorithm
{
    EcdsaP256,
    Rsa3072,
}

/// <summary>Configuration section "CertificateAuthority".</summary>
public sealed class CertificateAuthorityOptions
{
    public const string SectionName = "CertificateAuthority";

    /// <summary>Directory holding the encrypted CA/RA keys, their certificates and the state database.</summary>
    public string StateDirectory { get; set; } = "";

    /// <summary>File whose first line is the password protecting the CA and RA private keys (preferred).</summary>
    public string? KeyPasswordFile { get; set; }

    /// <summary>The key password itself (e.g. from an environment variable); used when no file is set.</summary>
    public string? KeyPassword { get; set; }

    /// <summary>PBKDF2 iterations of the PKCS#8 encryption (AES-256-CBC, HMAC-SHA-256).</summary>
    public int KeyEncryptionIterations { get; set; } = 600_000;

    public CaKeyAlgorithm KeyAlgorithm { get; set; } = CaKeyAlgorithm.EcdsaP256;

    public string CaSubject { get; set; } = "CN=CleverCloud Cluster CA,O=CleverCloud";

    public TimeSpan CaValidity { get; set; } = TimeSpan.FromDays(3650);

    public TimeSpan RaValidity { get; set; } = TimeSpan.FromDays(730);

    /// <summary>Lifetime of issued entity certificates.</summary>
    public TimeSpan CertificateValidity { get; set; } = TimeSpan.FromDays(365);

    /// <summary>When true every PKCSReq waits (PENDING) until an administrator runs <c>clever-ca approve TXID</c>.</summary>
    public bool ManualApproval { get; set; }

    /// <summary>How often the CRL is re-signed and re-published even without revocations.</summary>
    public TimeSpan CrlRefreshInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>nextUpdate - thisUpdate of every CRL; must exceed the refresh interval.</summary>
    public TimeSpan CrlValidity { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Largest accepted PKIOperation message (decoded bytes).</summary>
    public int MaxRequestBytes { get; set; } = 64 * 1024;

    /// <summary>Kestrel listen URL; a loopback address (the CA sits behind the cluster's own network).</summary>
    public string Url { get; set; } = "http://127.0.0.1:8089";

    /// <summary>Optional CRL distribution point URL put into issued certificates (e.g. http://ca.clever.test:8089/crl).</summary>
    public string? CrlDistributionUrl { get; set; }

    /// <summary>Challenge lifetime used when the administrator gives none.</summary>
    public TimeSpan DefaultChallengeLifetime { get; set; } = TimeSpan.FromHours(24);

    public string ResolveKeyPassword()
    {
        if (!string.IsNullOrEmpty(KeyPasswordFile))
        {
            var line = File.ReadLines(KeyPasswordFile).FirstOrDefault()?.TrimEnd('\r', '\n');
            return string.IsNullOrEmpty(line)
                ? throw new InvalidOperationException($"Key password file {KeyPasswordFile} is empty.")
                : line;
        }
        return KeyPassword ?? throw new InvalidOperationException("No CA key password configured.");
    }

    public PbeParameters KeyEncryption => new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, KeyEncryptionIterations);
}

public sealed class CertificateAuthorityOptionsValidator : IValidateOptions<CertificateAuthorityOptions>
{
    public ValidateOptionsResult Validate(string? name, CertificateAuthorityOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.StateDirectory))
        {
            failures.Add("CertificateAuthority:StateDirectory is required.");
        }
        if (string.IsNullOrEmpty(options.KeyPasswordFile) && string.IsNullOrEmpty(options.KeyPassword))
        {
            failures.Add("Set CertificateAuthority:KeyPasswordFile (or KeyPassword) to protect the CA key at rest.");
        }
        else if (!string.IsNullOrEmpty(options.KeyPasswordFile) && !File.Exists(options.KeyPasswordFile))
        {
            failures.Add($"CertificateAuthority:KeyPasswordFile {options.KeyPasswordFile} does not exist.");
        }
        if (options.KeyEncryptionIterations < 100_000)
        {
            failures.Add("CertificateAuthority:KeyEncryptionIterations must be at least 100000.");
        }
        if (options.CertificateValidity <= TimeSpan.Zero || options.CertificateValidity >= options.CaValidity)
        {
            failures.Add("CertificateAuthority:CertificateValidity must be positive and shorter than CaValidity.");
        }
        if (options.RaValidity <= TimeSpan.Zero || options.RaValidity > options.CaValidity)
        {
            failures.Add("CertificateAuthority:RaValidity must be positive and no longer than CaValidity.");
        }
        if (options.CrlRefreshInterval <= TimeSpan.Zero || options.CrlValidity <= options.CrlRefreshInterval)
        {
            failures.Add("CertificateAuthority:CrlValidity must be longer than a positive CrlRefreshInterval.");
        }
        if (options.MaxRequestBytes is < 4096 or > 16 * 1024 * 1024)
        {
            failures.Add("CertificateAuthority:MaxRequestBytes must be between 4096 and 16777216.");
        }
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"CertificateAuthority:Url '{options.Url}' is not an absolute http(s) URL.");
        }
        if (options.DefaultChallengeLifetime <= TimeSpan.Zero)
        {
            failures.Add("CertificateAuthority:DefaultChallengeLifetime must be positive.");
        }
        try
        {
            _ = new System.Security.Cryptography.X509Certificates.X500DistinguishedName(options.CaSubject);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            failures.Add($"CertificateAuthority:CaSubject '{options.CaSubject}' is not a distinguished name.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
