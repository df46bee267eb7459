using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Tls;

/// <summary>&lt;failure/&gt; in the TLS namespace: the server will close the stream (RFC 6120 §5.4.2.2).</summary>
public sealed class TlsFailure : XElement, IXmppElement
{
    public TlsFailure()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Tls + "failure";
}
