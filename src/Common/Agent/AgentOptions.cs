namespace CleverCloud.Agent;

public enum SecurityMode
{
    /// <summary>Every command, reply and event signed and encrypted (paper §V-A). The default.</summary>
    Secured,
    /// <summary>Unsigned, unencrypted protocol JSON: only for benchmarks' baseline and development clusters.</summary>
    Plaintext,
}

/// <summary>What makes a process a CleverCloud agent: its room, its nick, who its cluster manager is.</summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    /// <summary>The cluster room, e.g. <c>cluster@rooms.clever.test</c>.</summary>
    public string RoomJid { get; set; } = "";

    /// <summary>This agent's nick in the room (defaults to the XMPP username).</summary>
    public string? Nick { get; set; }

    /// <summary>The cluster manager's bare JID (HMs ask it for admission; the CLI sends it commands).</summary>
    public string ManagerJid { get; set; } = "";

    public SecurityMode Security { get; set; } = SecurityMode.Secured;

    /// <summary>How long a request waits for its reply.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Inbound messages handled at once; more wait (requests can take long: they must not block the stream). Each
    /// sender's messages are still opened (verified, decrypted) one at a time in arrival order.</summary>
    public int MaxConcurrentMessages { get; set; } = 64;

    public void Validate()
    {
        static void Fail(string setting, string why) => throw new ArgumentException($"Agent:{setting} {why}", setting);
        if (!LooksLikeBareJid(RoomJid)) Fail(nameof(RoomJid), $"must be a room's bare JID like cluster@rooms.example.org, not '{RoomJid}'");
        if (!LooksLikeBareJid(ManagerJid)) Fail(nameof(ManagerJid), $"must be the cluster manager's bare JID like cm@example.org, not '{ManagerJid}'");
        if (Nick is { Length: 0 or > 64 }) Fail(nameof(Nick), "must be 1-64 characters");
        if (RequestTimeout <= TimeSpan.Zero) Fail(nameof(RequestTimeout), "must be positive");
        if (MaxConcurrentMessages is < 1 or > 10_000) Fail(nameof(MaxConcurrentMessages), "must be 1-10000");
    }

    private static bool LooksLikeBareJid(string value) =>
        value.Length > 2 && value.IndexOf('@') > 0 && value.IndexOf('@') < value.Length - 1 && !value.Contains('/', StringComparison.Ordinal);
}
