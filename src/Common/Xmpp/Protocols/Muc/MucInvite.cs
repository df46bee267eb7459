using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>
/// A mediated invitation &lt;invite/&gt; (XEP-0045 §7.8.2): sent to the room with 'to' = the invitee, relayed by the
/// room with 'from' = the inviter.
/// </summary>
public sealed class MucInvite : XElement, IXmppElement
{
    public MucInvite()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.MucUser + "invite";

    public Jid? To
    {
        get => this.GetJidAttribute("to");
        set => SetAttributeValue("to", value?.ToString());
    }

    public Jid? From
    {
        get => this.GetJidAttribute("from");
        set => SetAttributeValue("from", value?.ToString());
    }

    public string? Reason
    {
        get => (string?)Element(XmppNamespaces.MucUser + "reason");
        set => this.SetChildText(XmppNamespaces.MucUser + "reason", value);
    }
}
