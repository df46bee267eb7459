namespace CleverCloud.Xmpp.Xml;

/// <summary>Why the stream parser refused its input; the session maps these to RFC 6120 §4.9.3 stream errors.</summary>
public enum XmlStreamErrorReason
{
    /// <summary>Not well-formed XML (→ not-well-formed).</summary>
    Syntax,
    /// <summary>A character XML 1.0 does not allow, raw or as a character reference (→ not-well-formed).</summary>
    InvalidCharacter,
    /// <summary>Bytes that are not UTF-8 (→ not-well-formed / unsupported-encoding; RFC 6120 §11.6).</summary>
    InvalidUtf8,
    /// <summary>Comment, processing instruction, DTD, entity declaration (→ restricted-xml; RFC 6120 §11.1).</summary>
    ForbiddenConstruct,
    /// <summary>An entity reference other than the five predefined ones (→ restricted-xml; RFC 6120 §11.1).</summary>
    UnknownEntity,
    /// <summary>A first-level element (or the stream header) over the configured size (→ policy-violation; §13.12).</summary>
    StanzaTooLarge,
    /// <summary>Nesting over the configured depth (→ policy-violation).</summary>
    TooDeep,
    /// <summary>A namespace prefix with no declaration in scope (→ bad-namespace-prefix).</summary>
    UnboundPrefix,
    /// <summary>The same attribute (by expanded name) twice on one element (→ not-well-formed).</summary>
    DuplicateAttribute,
    /// <summary>An end tag that does not close the open element (→ not-well-formed).</summary>
    MismatchedTag,
    /// <summary>The XML declaration names an encoding other than UTF-8 (→ unsupported-encoding; RFC 6120 §11.6).</summary>
    UnsupportedEncoding,
}

/// <summary>The stream's bytes are not XMPP's XML subset. Never transient: the stream must be closed.</summary>
public sealed class XmlStreamException : Exception
{
    public XmlStreamException(XmlStreamErrorReason reason, string message, long offset)
        : base($"{message} (at byte {offset})")
    {
        Reason = reason;
        Offset = offset;
    }

    public XmlStreamErrorReason Reason { get; }

    /// <summary>Offset of the offending byte, counted from the start of the stream (or from the last reset).</summary>
    public long Offset { get; }

    public bool IsTransient => false;
}
