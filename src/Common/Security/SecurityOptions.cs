namespace CleverCloud.Security;

/// <summary>Limits and timings of the security layer. Call <see cref="Validate"/> at start-up (the codec does).</summary>
public sealed class SecurityOptions
{
    /// <summary>How far in the past a timestamp may be; nonces are remembered this long.</summary>
    public TimeSpan FreshnessWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How far in the future a timestamp may be (clock skew between hosts).</summary>
    public TimeSpan FutureTolerance { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest plaintext payload sealed or accepted.</summary>
    public int MaxPayloadBytes { get; init; } = 256 * 1024;

    /// <summary>Longest bare JID accepted (RFC 7622 allows 3 × 1023 bytes; agents' addresses are far shorter).</summary>
    public int MaxAddressLength { get; init; } = 1024;

    public int MaxMessageIdLength { get; init; } = 128;

    /// <summary>Senders whose replay state is tracked at once; when full of live senders, new ones are refused.</summary>
    public int MaxTrackedSenders { get; init; } = 10_000;

    /// <summary>Nonces remembered per sender inside the window (the counter window still guards beyond that).</summary>
    public int MaxNoncesPerSender { get; init; } = 65_536;

    /// <summary>How long a member still decrypts the previous room key epoch after installing a new one.</summary>
    public TimeSpan PreviousEpochGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The CM re-keys the room at least this often.</summary>
    public TimeSpan RoomKeyLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Members per key-distribution message (one signature and one ephemeral key per message).</summary>
    public int KeyDistributionBatchSize { get; init; } = 100;

    /// <summary>Pause between two key-distribution messages, so re-keying never bursts through the XMPP server.</summary>
    public TimeSpan KeyDistributionInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How the CM wraps room keys for P-256 members (RSA members always get RSA-OAEP).</summary>
    public RoomKeyWrapMode RoomKeyWrap { get; init; } = RoomKeyWrapMode.PairwiseStatic;

    /// <summary>How the content key of a one-to-one message is wrapped for a P-256 recipient (RSA: always RSA-OAEP).</summary>
    public PeerKeyWrapMode PeerKeyWrap { get; init; } = PeerKeyWrapMode.PairwiseStatic;

    public void Validate()
    {
        Require(FreshnessWindow > TimeSpan.Zero, nameof(FreshnessWindow), "must be positive");
        Require(FutureTolerance >= TimeSpan.Zero, nameof(FutureTolerance), "must not be negative");
        Require(MaxPayloadBytes is > 0 and <= 16 * 1024 * 1024, nameof(MaxPayloadBytes), "must be in 1..16 MiB");
        Require(MaxAddressLength is >= 3 and <= 3071, nameof(MaxAddressLength), "must be in 3..3071");
        Require(MaxMessageIdLength is >= 1 and <= 1024, nameof(MaxMessageIdLength), "must be in 1..1024");
        Require(MaxTrackedSenders > 0, nameof(MaxTrackedSenders), "must be positive");
        Require(MaxNoncesPerSender > 0, nameof(MaxNoncesPerSender), "must be positive");
        Require(PreviousEpochGrace >= TimeSpan.Zero, nameof(PreviousEpochGrace), "must not be negative");
        Require(RoomKeyLifetime > TimeSpan.Zero, nameof(RoomKeyLifetime), "must be positive");
        Require(KeyDistributionBatchSize is >= 1 and <= MaxKeyEntriesPerMessage, nameof(KeyDistributionBatchSize),
            $"must be in 1..{MaxKeyEntriesPerMessage}");
        Require(Enum.IsDefined(RoomKeyWrap), nameof(RoomKeyWrap), "must be a defined mode");
        Require(Enum.IsDefined(PeerKeyWrap), nameof(PeerKeyWrap), "must be a defined mode");
        Require(KeyDistributionInterval >= TimeSpan.Zero, nameof(KeyDistributionInterval), "must not be negative");
    }

    /// <summary>Hard cap on wrapped keys in one key-distribution message (checked before any unwrapping).</summary>
    public const int MaxKeyEntriesPerMessage = 1000;

    private static void Require(bool condition, string name, string rule)
    {
        if (!condition)
        {
            throw new ArgumentOutOfRangeException(name, $"SecurityOptions.{name} {rule}");
        }
    }
}

/// <summary>How room keys are wrapped for P-256 members.</summary>
public enum RoomKeyWrapMode
{
    /// <summary>
    /// ECDH-SS: a cached CM↔member pairwise key (one static-static ECDH per pair of certificates, ever), so a re-key
    /// is symmetric work per member. Default: it keeps a 1,000-member re-key within tens of milliseconds of CPU.
    /// </summary>
    PairwiseStatic = 0,

    /// <summary>ECDH-ES: one ephemeral key per batch, one ECDH per member per re-key (costlier; no cached secrets).</summary>
    EphemeralPerBatch = 1,
}

/// <summary>How the fresh content key of a one-to-one message (replies, events, admin commands) is wrapped.</summary>
public enum PeerKeyWrapMode
{
    /// <summary>
    /// ECDH-SS: under a key derived from the cached static-static agreement between the sender's and the recipient's
    /// certified keys, salted with the signed message nonce. Symmetric work per message (one static ECDH per pair of
    /// certificates, ever). Default: an ephemeral agreement costs about as much as one more signature verification
    /// at each end, and the room keys, which protect most traffic, already rest on the same static keys.
    /// </summary>
    PairwiseStatic = 0,

    /// <summary>
    /// ECDH-ES: a fresh ephemeral key per message, so a later compromise of the sender's key does not expose what it
    /// sent; costs one key generation and one ECDH at the sender and one ECDH at the recipient per message.
    /// </summary>
    Ephemeral = 1,
}
