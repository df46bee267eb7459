using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.SaslElements;

/// <summary>&lt;abort/&gt;: the client gives up the exchange (RFC 6120 §6.4.4).</summary>
public sealed class SaslAbort : XElement, IXmppElement
{
    public SaslAbort()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Sasl + "abort";
}
