using System.Security.Cryptography;

namespace CleverCloud.Protocol.Messages;

/// <summary>
/// Message ids: a random per-process prefix plus a counter. Unique per sender across restarts (the prefix changes),
/// cheap on the hot path (no RNG call per message), and short on the wire.
/// </summary>
public sealed class MessageIdGenerator
{
    private readonly string _prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private long _counter;

    public static MessageIdGenerator Shared { get; } = new();

    public string Next() => string.Concat(_prefix, "-", Interlocked.Increment(ref _counter).ToString(System.Globalization.CultureInfo.InvariantCulture));
}
