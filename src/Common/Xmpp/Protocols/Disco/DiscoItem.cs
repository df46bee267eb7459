using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Disco;

/// <summary>An &lt;item jid='…' node='…' name='…'/&gt; of a disco#items result.</summary>
public sealed class DiscoItem : XElement, IXmppElement
{
    public DiscoItem()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.DiscoItems + "item";

    public Jid? Jid
    {
        get => this.GetJidAttribute("jid");
        set => SetAttributeValue("jid", value?.ToString());
    }

    public string? Node
    {
        get => (string?)Attribute("node");
        set => SetAttributeValue("node", value);
    }

    public string? ItemName
    {
        get => (string?)Attribute("name");
        set => SetAttributeValue("name", value);
    }
}
