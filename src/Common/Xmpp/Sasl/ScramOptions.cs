namespace CleverCloud.Xmpp.Sasl;

/// <summary>Limits and test hooks for <see cref="ScramMechanism"/>.</summary>
public sealed class ScramOptions
{
    /// <summary>RFC 5802 §5.1 and RFC 7677 §4 put the floor at 4096 iterations.</summary>
    public const int DefaultMinimumIterations = 4096;

    /// <summary>
    /// The server chooses the iteration count; an absurd one would pin a CPU core for minutes, so there is a ceiling too.
    /// </summary>
    public const int DefaultMaximumIterations = 1_000_000;

    public static ScramOptions Default { get; } = new();

    /// <summary>Fewer iterations from the server are refused as mechanism-too-weak.</summary>
    public int MinimumIterations { get; init; } = DefaultMinimumIterations;

    public int MaximumIterations { get; init; } = DefaultMaximumIterations;

    /// <summary>
    /// Produces the client nonce. Null (the default) draws 24 bytes from <see cref="System.Security.Cryptography.RandomNumberGenerator"/>;
    /// tests inject the RFC test vectors' nonces here.
    /// </summary>
    public Func<string>? ClientNonceFactory { get; init; }

    internal void Validate()
    {
        if (MinimumIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinimumIterations), MinimumIterations, "must be at least 1");
        }

        if (MaximumIterations < MinimumIterations)
        {
            throw new ArgumentOutOfRangeException(nameof(MaximumIterations), MaximumIterations, "must not be below MinimumIterations");
        }
    }
}
