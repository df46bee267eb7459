using CleverCloud.Identity.Keystore;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Directory;

/// <summary>How to reach the certificate directory. Bound from configuration (section "Ldap" by convention).</summary>
public sealed class LdapDirectoryOptions
{
    /// <summary>ldap://HOST:PORT or ldaps://HOST:PORT.</summary>
    public string Uri { get; set; } = string.Empty;

    /// <summary>The directory suffix, e.g. dc=clevercloud,dc=example; agents live under ou=agents, the CRL on cn=ca.</summary>
    public string BaseDn { get; set; } = string.Empty;

    /// <summary>The DN to bind as (the CA's writer); null binds anonymously, which is enough to read.</summary>
    public string? BindDn { get; set; }

    public string? BindPassword { get; set; }

    /// <summary>A file holding the bind password (mode 0600); used when <see cref="BindPassword"/> is not set.</summary>
    public string? BindPasswordFile { get; set; }

    /// <summary>Upgrade ldap:// with the StartTLS extended operation before binding.</summary>
    public bool StartTls { get; set; }

    /// <summary>PEM file of the CA(s) that sign the LDAP server's certificate; required for StartTLS and ldaps.</summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>Upper bound of one LDAP operation (connect, bind and request included).</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The container of the agents' entries.</summary>
    public string AgentsDn => "ou=agents," + BaseDn;

    /// <summary>The CA's entry, which holds the CRL.</summary>
    public string CaDn => "cn=ca," + BaseDn;

    internal bool UsesLdaps => System.Uri.TryCreate(Uri, UriKind.Absolute, out var parsed) && parsed.Scheme == "ldaps";
}

/// <summary>Checks <see cref="LdapDirectoryOptions"/>; each failure names the setting.</summary>
public sealed class LdapDirectoryOptionsValidator : IValidateOptions<LdapDirectoryOptions>
{
    private static readonly TimeSpan MaximumTimeout = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, LdapDirectoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!System.Uri.TryCreate(options.Uri, UriKind.Absolute, out var uri) || (uri.Scheme != "ldap" && uri.Scheme != "ldaps") || uri.Host.Length == 0)
        {
            failures.Add($"Ldap:Uri '{options.Uri}' must be ldap://HOST[:PORT] or ldaps://HOST[:PORT].");
        }
        else if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0)
        {
            failures.Add($"Ldap:Uri '{options.Uri}' must not carry a path or query; put the suffix in Ldap:BaseDn.");
        }
        if (string.IsNullOrWhiteSpace(options.BaseDn) || !options.BaseDn.Contains('=', StringComparison.Ordinal))
        {
            failures.Add($"Ldap:BaseDn '{options.BaseDn}' must be a distinguished name such as dc=clevercloud,dc=example.");
        }
        if (options.BindPassword is not null && options.BindPasswordFile is not null)
        {
            failures.Add("Ldap:BindPassword and Ldap:BindPasswordFile are both set; set one.");
        }
        if (options.BindDn is not null && options.BindPassword is null && options.BindPasswordFile is null)
        {
            failures.Add("Ldap:BindDn is set without Ldap:BindPassword or Ldap:BindPasswordFile.");
        }
        if (options.BindDn is null && (options.BindPassword is not null || options.BindPasswordFile is not null))
        {
            failures.Add("Ldap:BindPassword/BindPasswordFile is set without Ldap:BindDn.");
        }
        if (options.BindPasswordFile is not null)
        {
            try
            {
                _ = SecretFile.Read(options.BindPasswordFile);
            }
            catch (SecretFileException exception)
            {
                failures.Add($"Ldap:BindPasswordFile: {exception.Message}");
            }
        }
        if (options.StartTls && options.UsesLdaps)
        {
            failures.Add("Ldap:StartTls cannot be combined with an ldaps:// Ldap:Uri (the connection is already TLS).");
        }
        if ((options.StartTls || options.UsesLdaps) && string.IsNullOrWhiteSpace(options.TrustedCaFile))
        {
            failures.Add("Ldap:TrustedCaFile is required with StartTLS or ldaps: the server certificate must chain to a configured CA.");
        }
        if (!string.IsNullOrWhiteSpace(options.TrustedCaFile) && !File.Exists(options.TrustedCaFile))
        {
            failures.Add($"Ldap:TrustedCaFile '{options.TrustedCaFile}' does not exist.");
        }
        if (options.OperationTimeout <= TimeSpan.Zero || options.OperationTimeout > MaximumTimeout)
        {
            failures.Add($"Ldap:OperationTimeout {options.OperationTimeout} must be positive and at most {MaximumTimeout}.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
