using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Validation;

/// <summary>How peer certificates are validated and cached. Bound from configuration (section "PeerValidation").</summary>
public sealed class PeerValidationOptions
{
    /// <summary>PEM or DER file of the cluster CA certificate: the only trust anchor (no system roots).</summary>
    public string CaCertificateFile { get; set; } = string.Empty;

    /// <summary>How long a valid result is reused before the directory is asked again (capped at the certificate's expiry).</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a rejection (unknown, untrusted, …) is reused: short, so a newly enrolled agent is seen soon,
    /// but long enough that a flood of messages from an unknown sender does not become a flood of LDAP searches.</summary>
    public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(10);

    public int MaxCacheEntries { get; set; } = 4096;

    /// <summary>How often the CRL is fetched again from the directory (also whenever the current one passed nextUpdate).</summary>
    public TimeSpan CrlRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Reject every peer while no valid, current CRL is available (fail closed). Default true.</summary>
    public bool RequireCrl { get; set; } = true;

    /// <summary>Tolerated clock difference with the CA and the peers when checking validity periods and CRL times.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Checks <see cref="PeerValidationOptions"/>; each failure names the setting.</summary>
public sealed class PeerValidationOptionsValidator : IValidateOptions<PeerValidationOptions>
{
    public ValidateOptionsResult Validate(string? name, PeerValidationOptions options) => Check(options, includeTrustAnchorFile: true);

    /// <summary>The checks; without the trust-anchor file when the caller built the validator from a certificate.</summary>
    internal static ValidateOptionsResult Check(PeerValidationOptions options, bool includeTrustAnchorFile)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (includeTrustAnchorFile && string.IsNullOrWhiteSpace(options.CaCertificateFile))
        {
            failures.Add("PeerValidation:CaCertificateFile is required (the cluster CA certificate, PEM or DER).");
        }
        else if (includeTrustAnchorFile && !File.Exists(options.CaCertificateFile))
        {
            failures.Add($"PeerValidation:CaCertificateFile '{options.CaCertificateFile}' does not exist.");
        }
        if (options.CacheTtl <= TimeSpan.Zero)
        {
            failures.Add($"PeerValidation:CacheTtl {options.CacheTtl} must be positive.");
        }
        if (options.NegativeCacheTtl < TimeSpan.Zero || options.NegativeCacheTtl > options.CacheTtl)
        {
            failures.Add($"PeerValidation:NegativeCacheTtl {options.NegativeCacheTtl} must be between zero and CacheTtl.");
        }
        if (options.MaxCacheEntries is < 1 or > 1_000_000)
        {
            failures.Add($"PeerValidation:MaxCacheEntries {options.MaxCacheEntries} must be between 1 and 1000000.");
        }
        if (options.CrlRefreshInterval <= TimeSpan.Zero)
        {
            failures.Add($"PeerValidation:CrlRefreshInterval {options.CrlRefreshInterval} must be positive.");
        }
        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromHours(1))
        {
            failures.Add($"PeerValidation:ClockSkew {options.ClockSkew} must be between zero and one hour.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
