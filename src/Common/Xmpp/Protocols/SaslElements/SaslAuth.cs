using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.SaslElements;

/// <summary>&lt;auth mechanism='…'&gt;: starts the exchange, with the initial response if any (RFC 6120 §6.4.2).</summary>
public sealed class SaslAuth : SaslPayloadElement, IXmppElement
{
    public SaslAuth()
        : base(ElementName)
    {
    }

    public SaslAuth(string mechanism, byte[]? initialResponse)
        : this()
    {
        Mechanism = mechanism;
        Payload = initialResponse;
    }

    public static XName ElementName { get; } = XmppNamespaces.Sasl + "auth";

    public string? Mechanism
    {
        get => (string?)Attribute("mechanism");
        set => SetAttributeValue("mechanism", value);
    }
}
