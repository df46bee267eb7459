using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>
/// &lt;query xmlns='http://jabber.org/protocol/muc#admin'/&gt;: affiliation and role changes and list requests
/// (XEP-0045 §8, §9).
/// </summary>
public sealed class MucAdmin : XElement, IXmppElement
{
    public MucAdmin()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.MucAdmin + "query";

    public IReadOnlyList<MucItem> Items => this.GetChildren<MucItem>(MucItem.AdminElementName);

    public MucAdmin AddItem(MucItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        item.MoveToNamespace(XmppNamespaces.MucAdmin);
        Add(item);
        return this;
    }

    /// <summary>Grants <paramref name="affiliation"/> to <paramref name="user"/> (e.g. adding a member, XEP-0045 §9.3).</summary>
    public static Iq CreateAffiliationChange(Jid room, Jid user, MucAffiliation affiliation, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        return Request(room, IqType.Set, new MucItem { Affiliation = affiliation, Jid = user.Bare, Reason = reason });
    }

    /// <summary>Changes the role of the occupant <paramref name="nick"/> (e.g. kicking with role none, XEP-0045 §8.2).</summary>
    public static Iq CreateRoleChange(Jid room, string nick, MucRole role, string? reason = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(nick);
        return Request(room, IqType.Set, new MucItem { Role = role, Nick = nick, Reason = reason });
    }

    /// <summary>Asks for every user with <paramref name="affiliation"/> (e.g. the member list, XEP-0045 §9.5).</summary>
    public static Iq CreateAffiliationListRequest(Jid room, MucAffiliation affiliation) =>
        Request(room, IqType.Get, new MucItem { Affiliation = affiliation });

    private static Iq Request(Jid room, IqType type, MucItem item)
    {
        ArgumentNullException.ThrowIfNull(room);
        var iq = new Iq { Type = type, Id = Stanza.NewId(), To = room.Bare };
        iq.Add(new MucAdmin().AddItem(item));
        return iq;
    }
}
