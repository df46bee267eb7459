using CleverCloud.Xmpp.Transport;

namespace CleverCloud.Xmpp.Client;

/// <summary>How one XMPP connection is made and kept. Validated before the first connection attempt.</summary>
public sealed class XmppClientOptions
{
    /// <summary>The XMPP domain of the account (the server's certificate must name it).</summary>
    public string Domain { get; set; } = "";

    /// <summary>Host to connect to; no DNS SRV lookup is made (none is available on cluster networks).</summary>
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 5222;

    public string Username { get; set; } = "";

    public string? Password { get; set; }

    /// <summary>File holding the password (first line), for services; readable only by the service user.</summary>
    public string? PasswordFile { get; set; }

    public string Resource { get; set; } = "agent";

    public TlsMode TlsMode { get; set; } = TlsMode.Required;

    /// <summary>PEM/DER file of the CA or self-signed server certificate to trust; null uses the system store.</summary>
    public string? TrustedCertificateFile { get; set; }

    /// <summary>Register the account in-band (XEP-0077) when it does not exist yet.</summary>
    public bool RegisterAccount { get; set; }

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long an iq waits for its result before a timeout error.</summary>
    public TimeSpan IqTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>XEP-0199 keepalive interval; zero disables keepalive pings.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A ping unanswered this long marks the connection stalled: it is torn down and re-established.</summary>
    public TimeSpan PingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    public int MaxStanzaBytes { get; set; } = 1_048_576;

    /// <summary>Reconnect after a lost connection, with exponential backoff and full jitter.</summary>
    public bool AutoReconnect { get; set; } = true;

    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        static void Fail(string setting, string why) => throw new ArgumentException($"Xmpp:{setting} {why}", setting);

        if (string.IsNullOrWhiteSpace(Domain)) Fail(nameof(Domain), "is required");
        if (string.IsNullOrWhiteSpace(Host)) Fail(nameof(Host), "is required");
        if (Port is < 1 or > 65535) Fail(nameof(Port), $"must be 1-65535, not {Port}");
        if (string.IsNullOrWhiteSpace(Username)) Fail(nameof(Username), "is required");
        if (Password is null && PasswordFile is null) Fail(nameof(Password), "or Xmpp:PasswordFile is required");
        if (PasswordFile is not null && !File.Exists(PasswordFile)) Fail(nameof(PasswordFile), $"'{PasswordFile}' does not exist");
        if (string.IsNullOrWhiteSpace(Resource)) Fail(nameof(Resource), "is required");
        if (TrustedCertificateFile is not null && !File.Exists(TrustedCertificateFile))
            Fail(nameof(TrustedCertificateFile), $"'{TrustedCertificateFile}' does not exist");
        if (ConnectTimeout <= TimeSpan.Zero) Fail(nameof(ConnectTimeout), "must be positive");
        if (IqTimeout <= TimeSpan.Zero) Fail(nameof(IqTimeout), "must be positive");
        if (PingInterval < TimeSpan.Zero) Fail(nameof(PingInterval), "must not be negative");
        if (PingTimeout <= TimeSpan.Zero) Fail(nameof(PingTimeout), "must be positive");
        if (MaxStanzaBytes < 4096) Fail(nameof(MaxStanzaBytes), "must be at least 4096");
        if (ReconnectBaseDelay <= TimeSpan.Zero) Fail(nameof(ReconnectBaseDelay), "must be positive");
        if (ReconnectMaxDelay < ReconnectBaseDelay) Fail(nameof(ReconnectMaxDelay), "must not be below ReconnectBaseDelay");
    }

    internal string ResolvePassword()
    {
        if (Password is not null)
            return Password;
        var text = File.ReadAllText(PasswordFile!);
        var line = text.Split('\n', 2)[0].TrimEnd('\r');
        if (line.Length == 0)
            throw new ArgumentException($"Xmpp:PasswordFile '{PasswordFile}' is empty", nameof(PasswordFile));
        return line;
    }
}
