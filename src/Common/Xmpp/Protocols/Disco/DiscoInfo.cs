using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Forms;

namespace CleverCloud.Xmpp.Protocols.Disco;

/// <summary>XEP-0030 &lt;query xmlns='http://jabber.org/protocol/disco#info'/&gt;: identities and features.</summary>
public sealed class DiscoInfo : XElement, IXmppElement
{
    public DiscoInfo()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.DiscoInfo + "query";

    /// <summary>An IQ get asking <paramref name="to"/> for its identities and features.</summary>
    public static Iq CreateRequest(Jid to, string? node = null)
    {
        ArgumentNullException.ThrowIfNull(to);
        var iq = new Iq { Type = IqType.Get, Id = Stanza.NewId(), To = to };
        iq.Add(new DiscoInfo { Node = node });
        return iq;
    }

    public string? Node
    {
        get => (string?)Attribute("node");
        set => SetAttributeValue("node", value);
    }

    public IReadOnlyList<DiscoIdentity> Identities => this.GetExtensions<DiscoIdentity>();

    public IReadOnlyList<DiscoFeature> Features => this.GetExtensions<DiscoFeature>();

    /// <summary>Extended information forms (XEP-0128), such as a room's muc#roominfo.</summary>
    public IReadOnlyList<DataForm> Forms => this.GetExtensions<DataForm>();

    public bool HasFeature(string feature) =>
        Elements(DiscoFeature.ElementName).Any(element => string.Equals((string?)element.Attribute("var"), feature, StringComparison.Ordinal));

    public bool HasIdentity(string category, string type) =>
        Identities.Any(identity => identity.Category == category && identity.Type == type);

    public DiscoInfo AddIdentity(string category, string type, string? name = null)
    {
        Add(new DiscoIdentity { Category = category, Type = type, IdentityName = name });
        return this;
    }

    public DiscoInfo AddFeature(string feature)
    {
        Add(new DiscoFeature { Var = feature });
        return this;
    }
}
