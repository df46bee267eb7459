namespace CleverCloud.Xmpp.Sasl;

/// <summary>What the client can authenticate with: an account password, a TLS client certificate, or both.</summary>
public sealed class SaslCredentials
{
    public SaslCredentials(string? username, string? password, bool hasClientCertificate = false, string? authorizationId = null)
    {
        if (password is not null && string.IsNullOrEmpty(username))
        {
            throw new ArgumentException("a password needs the account's username beside it", nameof(username));
        }

        if (password is null && !hasClientCertificate)
        {
            throw new ArgumentException("credentials need a password, a client certificate, or both", nameof(password));
        }

        Username = username;
        Password = password;
        HasClientCertificate = hasClientCertificate;
        AuthorizationId = authorizationId;
    }

    /// <summary>The account's localpart (the SASL authentication identity).</summary>
    public string? Username { get; }

    public string? Password { get; }

    /// <summary>True when the TLS layer presents a client certificate, which makes EXTERNAL possible.</summary>
    public bool HasClientCertificate { get; }

    /// <summary>The identity to act as, when different from the authenticated one; usually null.</summary>
    public string? AuthorizationId { get; }

    public static SaslCredentials ForPassword(string username, string password) => new(username, password);

    public static SaslCredentials ForClientCertificate(string? authorizationId = null) =>
        new(null, null, hasClientCertificate: true, authorizationId);

    /// <summary>Hides the password from logs and debugger displays.</summary>
    public override string ToString() =>
        $"SaslCredentials(username={Username ?? "-"}, password={(Password is null ? "no" : "yes")}, certificate={(HasClientCertificate ? "yes" : "no")})";
}
