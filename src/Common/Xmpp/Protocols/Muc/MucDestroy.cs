using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>
/// &lt;destroy/&gt;: in muc#owner the owner's request to destroy the room (XEP-0045 §10.9), in muc#user the notice
/// occupants get. Optional alternate venue, reason and password.
/// </summary>
public sealed class MucDestroy : XElement, IXmppElement
{
    public MucDestroy()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.MucOwner + "destroy";

    public static XName UserElementName { get; } = XmppNamespaces.MucUser + "destroy";

    /// <summary>An alternate room the occupants may move to.</summary>
    public Jid? AlternateVenue
    {
        get => this.GetJidAttribute("jid");
        set => SetAttributeValue("jid", value?.ToString());
    }

    public string? Reason
    {
        get => (string?)Element(Name.Namespace + "reason");
        set => this.SetChildText(Name.Namespace + "reason", value);
    }

    public string? Password
    {
        get => (string?)Element(Name.Namespace + "password");
        set => this.SetChildText(Name.Namespace + "password", value);
    }
}
