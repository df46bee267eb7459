using System.Xml.Linq;

namespace CleverCloud.Security.Envelope;

/// <summary>The XML names of the envelope's elements (docs/wire-format.md §1).</summary>
public static class EnvelopeNames
{
    /// <summary>XEP-0027 signed extension: holds the base64 signature over the canonical bytes.</summary>
    public static readonly XNamespace Signed = "jabber:x:signed";

    /// <summary>XEP-0027 encrypted extension: holds the base64 AES-256-GCM ciphertext‖tag.</summary>
    public static readonly XNamespace Encrypted = "jabber:x:encrypted";

    public static readonly XNamespace SessionKey = "urn:clevercloud:sessionkey:1";
    public static readonly XNamespace Timestamp = "urn:clevercloud:timestamp:1";
    public static readonly XNamespace Header = "urn:clevercloud:envelope:1";
    public static readonly XNamespace Presence = "urn:clevercloud:presence:1";

    public static readonly XName SignedElement = Signed + "x";
    public static readonly XName EncryptedElement = Encrypted + "x";
    public static readonly XName SessionKeyElement = SessionKey + "sessionkey";
    public static readonly XName KeyEntryElement = SessionKey + "key";
    public static readonly XName TimestampElement = Timestamp + "timestamp";
    public static readonly XName HeaderElement = Header + "envelope";
    public static readonly XName PresenceElement = Presence + "load";

    /// <summary>XEP-0082 date-time with exactly millisecond precision, UTC: the signed value is Unix milliseconds.</summary>
    public const string StampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
}
