using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Ping;

/// <summary>XEP-0199 &lt;ping xmlns='urn:xmpp:ping'/&gt;, the payload of an IQ get answered by an empty result.</summary>
public sealed class XmppPing : XElement, IXmppElement
{
    public XmppPing()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Ping + "ping";

    /// <summary>A ping request to <paramref name="to"/> (the server when null) with a fresh id.</summary>
    public static Iq CreateRequest(Jid? to = null)
    {
        var iq = new Iq { Type = IqType.Get, Id = Stanza.NewId(), To = to };
        iq.Add(new XmppPing());
        return iq;
    }
}
