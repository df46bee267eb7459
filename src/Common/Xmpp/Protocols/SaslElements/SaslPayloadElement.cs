using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.SaslElements;

/// <summary>
/// A SASL element whose text is base64 data (RFC 6120 §6.4.2): no text means "no data", a single '=' means "empty
/// data", anything else is the base64 encoding of the bytes.
/// </summary>
public abstract class SaslPayloadElement : XElement
{
    protected SaslPayloadElement(XName name)
        : base(name)
    {
    }

    /// <summary>The decoded data; null when the element carries none.</summary>
    /// <exception cref="MalformedElementException">The text is not base64; the session should answer with incorrect-encoding.</exception>
    public byte[]? Payload
    {
        get
        {
            var text = Value.Trim();
            if (text.Length == 0)
            {
                return null;
            }

            if (text == "=")
            {
                return [];
            }

            try
            {
                return Convert.FromBase64String(text);
            }
            catch (FormatException error)
            {
                throw new MalformedElementException(
                    $"<{Name.LocalName}> in the SASL namespace holds text that is not base64", Name.ToString(), error);
            }
        }

        set
        {
            RemoveNodes();
            if (value is not null)
            {
                Add(value.Length == 0 ? "=" : Convert.ToBase64String(value));
            }
        }
    }
}
