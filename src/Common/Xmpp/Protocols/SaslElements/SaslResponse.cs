using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.SaslElements;

/// <summary>&lt;response/&gt; from the client (RFC 6120 §6.4.3).</summary>
public sealed class SaslResponse : SaslPayloadElement, IXmppElement
{
    public SaslResponse()
        : base(ElementName)
    {
    }

    public SaslResponse(byte[] response)
        : this()
    {
        Payload = response;
    }

    public static XName ElementName { get; } = XmppNamespaces.Sasl + "response";
}
