using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Disco;

/// <summary>XEP-0030 &lt;query xmlns='http://jabber.org/protocol/disco#items'/&gt;: the entities behind an address.</summary>
public sealed class DiscoItems : XElement, IXmppElement
{
    public DiscoItems()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.DiscoItems + "query";

    public static Iq CreateRequest(Jid to, string? node = null)
    {
        ArgumentNullException.ThrowIfNull(to);
        var iq = new Iq { Type = IqType.Get, Id = Stanza.NewId(), To = to };
        iq.Add(new DiscoItems { Node = node });
        return iq;
    }

    public string? Node
    {
        get => (string?)Attribute("node");
        set => SetAttributeValue("node", value);
    }

    public IReadOnlyList<DiscoItem> Items => this.GetExtensions<DiscoItem>();

    public DiscoItems AddItem(Jid jid, string? name = null, string? node = null)
    {
        Add(new DiscoItem { Jid = jid, ItemName = name, Node = node });
        return this;
    }
}
