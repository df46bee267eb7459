using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>A declined invitation &lt;decline/&gt; (XEP-0045 §7.8.2), addressed like <see cref="MucInvite"/>.</summary>
public sealed class MucDecline : XElement, IXmppElement
{
    public MucDecline()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.MucUser + "decline";

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
