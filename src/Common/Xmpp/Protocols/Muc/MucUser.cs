using System.Globalization;
using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>
/// &lt;x xmlns='http://jabber.org/protocol/muc#user'/&gt;: what the room says about an occupant (items, status codes),
/// and invitations, declines and destruction notices.
/// </summary>
public sealed class MucUser : XElement, IXmppElement
{
    private static readonly XName StatusName = XmppNamespaces.MucUser + "status";
    private static readonly XName PasswordName = XmppNamespaces.MucUser + "password";

    public MucUser()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.MucUser + "x";

    /// <summary>A mediated invitation to <paramref name="room"/> for <paramref name="invitee"/> (XEP-0045 §7.8.2).</summary>
    public static Message CreateInvitation(Jid room, Jid invitee, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(room);
        ArgumentNullException.ThrowIfNull(invitee);
        var message = new Message { To = room.Bare, Id = Stanza.NewId() };
        var user = new MucUser();
        user.Add(new MucInvite { To = invitee, Reason = reason });
        message.Add(user);
        return message;
    }

    public IReadOnlyList<MucItem> Items => this.GetExtensions<MucItem>();

    /// <summary>The occupant item of a presence (there is one); null when absent.</summary>
    public MucItem? Item => this.GetExtension<MucItem>();

    /// <summary>The status codes, in order.</summary>
    /// <exception cref="MalformedElementException">A code is missing or not an integer.</exception>
    public IReadOnlyList<int> StatusCodes =>
        Elements(StatusName).Select(status =>
        {
            var text = (string?)status.Attribute("code");
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code)
                ? code
                : throw new MalformedElementException($"<status code='{text}'> is not a status code number", Name.ToString());
        }).ToList();

    public bool HasStatus(int code) => StatusCodes.Contains(code);

    /// <summary>This presence is our own occupant's (status 110): the join is confirmed.</summary>
    public bool IsSelfPresence => HasStatus(MucStatusCodes.SelfPresence);

    public MucUser AddStatusCode(int code)
    {
        Add(new XElement(StatusName, new XAttribute("code", code.ToString(CultureInfo.InvariantCulture))));
        return this;
    }

    public IReadOnlyList<MucInvite> Invites => this.GetExtensions<MucInvite>();

    public MucDecline? Decline => this.GetExtension<MucDecline>();

    /// <summary>The room's destruction notice; null unless the room was destroyed.</summary>
    public MucDestroy? Destroy => this.GetChild<MucDestroy>(MucDestroy.UserElementName);

    /// <summary>The room password an invitation carries.</summary>
    public string? Password
    {
        get => (string?)Element(PasswordName);
        set => this.SetChildText(PasswordName, value);
    }
}
