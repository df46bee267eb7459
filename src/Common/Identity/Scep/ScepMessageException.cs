namespace CleverCloud.Identity.Scep;

/// <summary>
/// A SCEP message was well-formed enough to answer but is unacceptable; <see cref="FailInfo"/> is the failInfo the
/// receiver should reply with. Raised by the shared codec on both sides of the protocol.
/// </summary>
public sealed class ScepMessageException(ScepFailInfo failInfo, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public ScepFailInfo FailInfo { get; } = failInfo;
}

/// <summary>The bytes are not a SCEP pkiMessage at all (not CMS SignedData, truncated, missing attributes).</summary>
public sealed class ScepFormatException(string message, Exception? innerException = null)
    : Exception(message, innerException);
