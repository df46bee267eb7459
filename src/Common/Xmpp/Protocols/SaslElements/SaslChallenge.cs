using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.SaslElements;

/// <summary>&lt;challenge/&gt; from the server (RFC 6120 §6.4.3).</summary>
public sealed class SaslChallenge : SaslPayloadElement, IXmppElement
{
    public SaslChallenge()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Sasl + "challenge";
}
