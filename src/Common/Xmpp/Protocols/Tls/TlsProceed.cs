using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Tls;

/// <summary>&lt;proceed/&gt;: the server agrees to start the TLS handshake (RFC 6120 §5.4.2.3).</summary>
public sealed class TlsProceed : XElement, IXmppElement
{
    public TlsProceed()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Tls + "proceed";
}
