using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.SaslElements;

/// <summary>&lt;success/&gt;, possibly with additional data such as SCRAM's server signature (RFC 6120 §6.4.6).</summary>
public sealed class SaslSuccess : SaslPayloadElement, IXmppElement
{
    public SaslSuccess()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Sasl + "success";
}
