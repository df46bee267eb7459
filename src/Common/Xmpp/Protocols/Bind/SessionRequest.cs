using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Bind;

/// <summary>
/// The legacy session request (RFC 3921 §3): servers that still advertise it without &lt;optional/&gt; expect an IQ set
/// carrying this element after binding.
/// </summary>
public sealed class SessionRequest : XElement, IXmppElement
{
    public SessionRequest()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Session + "session";

    /// <summary>As a stream feature: the server does not need the request (RFC 6121 Appendix E).</summary>
    public bool IsOptional => Element(XmppNamespaces.Session + "optional") is not null;
}
