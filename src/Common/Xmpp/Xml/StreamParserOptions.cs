namespace CleverCloud.Xmpp.Xml;

/// <summary>Limits that keep a hostile peer from making the parser buffer or nest without bound.</summary>
public sealed record StreamParserOptions
{
    public const int DefaultMaxStanzaBytes = 1_048_576;
    public const int DefaultMaxDepth = 32;

    /// <summary>
    /// Largest first-level element accepted, in bytes from the <c>&lt;</c> of its start tag to the <c>&gt;</c> of its
    /// end tag (RFC 6120 §13.12 asks servers to enforce a limit; a client should too). Also bounds the stream header.
    /// </summary>
    public int MaxStanzaBytes { get; init; } = DefaultMaxStanzaBytes;

    /// <summary>Deepest nesting accepted below the stream element: a stanza is depth 1, its children depth 2, ….</summary>
    public int MaxDepth { get; init; } = DefaultMaxDepth;

    /// <exception cref="ArgumentOutOfRangeException">A limit is zero or negative.</exception>
    public void Validate()
    {
        if (MaxStanzaBytes <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxStanzaBytes), MaxStanzaBytes, "the stanza size limit must be positive");
        if (MaxDepth <= 0)
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "the depth limit must be positive");
    }
}
