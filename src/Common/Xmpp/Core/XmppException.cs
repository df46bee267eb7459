namespace CleverCloud.Xmpp.Core;

/// <summary>
/// Base of every XMPP failure this library raises. <see cref="IsTransient"/> tells the caller whether trying again
/// later (reconnecting, resending) can succeed without changing anything.
/// </summary>
public class XmppException : Exception
{
    public XmppException(string message, bool isTransient = false, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    public bool IsTransient { get; }
}

/// <summary>
/// An element received from the peer (or handed to an accessor) does not have the shape its specification requires:
/// a missing mandatory attribute, an unknown enumeration value, a value that does not parse. Never transient: the
/// same bytes will fail the same way.
/// </summary>
public sealed class MalformedElementException : XmppException
{
    public MalformedElementException(string message, string? elementName = null, Exception? innerException = null)
        : base(message, isTransient: false, innerException)
    {
        ElementName = elementName;
    }

    /// <summary>The qualified name of the offending element, when known.</summary>
    public string? ElementName { get; }
}
