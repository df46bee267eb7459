using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Tls;

/// <summary>
/// &lt;starttls/&gt; (RFC 6120 §5.4): in stream features the server's offer, possibly with &lt;required/&gt;; sent by
/// the client it is the request to upgrade.
/// </summary>
public sealed class StartTls : XElement, IXmppElement
{
    private static readonly XName RequiredName = XmppNamespaces.Tls + "required";

    public StartTls()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Tls + "starttls";

    /// <summary>The server refuses to go on without TLS (RFC 6120 §5.4.1).</summary>
    public bool IsRequired
    {
        get => Element(RequiredName) is not null;
        set => this.SetFlagChild(RequiredName, value);
    }
}
