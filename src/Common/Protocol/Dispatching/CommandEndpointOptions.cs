namespace CleverCloud.Protocol.Dispatching;

public sealed class CommandEndpointOptions
{
    /// <summary>How long a request waits for its reply before <see cref="CommandTimeoutException"/>.</summary>
    public TimeSpan DefaultRequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a reply is remembered so that a repeated request id is answered, not executed again.</summary>
    public TimeSpan ReplyCacheLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Upper bound on remembered replies; the oldest are forgotten first.</summary>
    public int ReplyCacheCapacity { get; set; } = 10_000;

    public int MaxMessageBytes { get; set; } = Messages.ProtocolCodec.DefaultMaxMessageBytes;

    public void Validate()
    {
        if (DefaultRequestTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(DefaultRequestTimeout), DefaultRequestTimeout, "must be positive");
        if (ReplyCacheLifetime <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ReplyCacheLifetime), ReplyCacheLifetime, "must be positive");
        if (ReplyCacheCapacity < 1)
            throw new ArgumentOutOfRangeException(nameof(ReplyCacheCapacity), ReplyCacheCapacity, "must be at least 1");
        if (MaxMessageBytes < 1024)
            throw new ArgumentOutOfRangeException(nameof(MaxMessageBytes), MaxMessageBytes, "must be at least 1024");
    }
}
