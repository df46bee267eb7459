using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Bind;

/// <summary>
/// &lt;bind/&gt; (RFC 6120 §7): as a stream feature the offer; in an IQ set the request, with an optional wanted
/// resource; in the result the full address the server bound.
/// </summary>
public sealed class ResourceBinding : XElement, IXmppElement
{
    private static readonly XName ResourceName = XmppNamespaces.Bind + "resource";
    private static readonly XName JidName = XmppNamespaces.Bind + "jid";

    public ResourceBinding()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Bind + "bind";

    /// <summary>A bind request; null lets the server choose the resource (RFC 6120 §7.6).</summary>
    public static ResourceBinding Request(string? resource = null) => new() { Resource = resource };

    public string? Resource
    {
        get => (string?)Element(ResourceName);
        set => this.SetChildText(ResourceName, value);
    }

    /// <summary>The full address bound to the session; a malformed one is a protocol error.</summary>
    public Jid? Jid
    {
        get
        {
            var text = (string?)Element(JidName);
            if (text is null)
            {
                return null;
            }

            return Core.Jid.TryParse(text.Trim(), out var jid)
                ? jid
                : throw new MalformedElementException($"<bind> returned the invalid address '{text}'", Name.ToString());
        }

        set => this.SetChildText(JidName, value?.ToString());
    }
}
