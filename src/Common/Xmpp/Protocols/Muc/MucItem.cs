using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>
/// An &lt;item/&gt; describing an occupant or a user's standing: in muc#user presence (what the room reports) and in
/// muc#admin queries (what an admin changes or lists). Registered for both namespaces; children follow the element's.
/// </summary>
public sealed class MucItem : XElement, IXmppElement
{
    public MucItem()
        : base(ElementName)
    {
    }

    /// <summary>The muc#user item; the muc#admin one is the same class in the admin namespace.</summary>
    public static XName ElementName { get; } = XmppNamespaces.MucUser + "item";

    public static XName AdminElementName { get; } = XmppNamespaces.MucAdmin + "item";

    public MucAffiliation? Affiliation
    {
        get
        {
            var name = (string?)Attribute("affiliation");
            return name is null ? null : MucNames.Affiliations.Parse(name, "affiliation", Name.ToString());
        }

        set => SetAttributeValue("affiliation", value is null ? null : MucNames.Affiliations.ToName(value.Value));
    }

    public MucRole? Role
    {
        get
        {
            var name = (string?)Attribute("role");
            return name is null ? null : MucNames.Roles.Parse(name, "role", Name.ToString());
        }

        set => SetAttributeValue("role", value is null ? null : MucNames.Roles.ToName(value.Value));
    }

    /// <summary>The occupant's real address, when the room discloses it (non-anonymous rooms, or to moderators).</summary>
    public Jid? Jid
    {
        get => this.GetJidAttribute("jid");
        set => SetAttributeValue("jid", value?.ToString());
    }

    public string? Nick
    {
        get => (string?)Attribute("nick");
        set => SetAttributeValue("nick", value);
    }

    public string? Reason
    {
        get => (string?)Element(Name.Namespace + "reason");
        set => this.SetChildText(Name.Namespace + "reason", value);
    }

    /// <summary>
    /// Moves the item, and the children it holds in its own namespace (reason, actor), to <paramref name="target"/>:
    /// an item built for one query kind and placed in another must not mix namespaces.
    /// </summary>
    public void MoveToNamespace(XNamespace target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var source = Name.Namespace;
        if (source == target)
        {
            return;
        }

        foreach (var element in DescendantsAndSelf().Where(element => element.Name.Namespace == source).ToList())
        {
            element.Name = target + element.Name.LocalName;
        }
    }

    /// <summary>Who made the change (kick, ban, affiliation change), by address.</summary>
    public Jid? ActorJid => Element(Name.Namespace + "actor")?.GetJidAttribute("jid");

    /// <summary>Who made the change, by room nickname.</summary>
    public string? ActorNick => (string?)Element(Name.Namespace + "actor")?.Attribute("nick");
}
