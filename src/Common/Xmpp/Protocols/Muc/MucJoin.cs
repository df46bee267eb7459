using System.Globalization;
using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>
/// &lt;x xmlns='http://jabber.org/protocol/muc'/&gt; in the presence that joins a room (XEP-0045 §7.2), with an optional
/// room password and a limit on the discussion history the room replays.
/// </summary>
public sealed class MucJoin : XElement, IXmppElement
{
    private static readonly XName PasswordName = XmppNamespaces.Muc + "password";
    private static readonly XName HistoryName = XmppNamespaces.Muc + "history";

    public MucJoin()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Muc + "x";

    /// <summary>
    /// The presence that joins <paramref name="occupant"/> (room@service/nick). Agents want no replayed history: old
    /// commands must not be executed again, hence the default of zero stanzas (XEP-0045 §7.2.15).
    /// </summary>
    public static Presence CreateJoinPresence(Jid occupant, string? password = null, int? maxHistoryStanzas = 0)
    {
        ArgumentNullException.ThrowIfNull(occupant);
        if (occupant.Resource is null)
        {
            throw new ArgumentException($"joining needs room@service/nick, not the bare '{occupant}'", nameof(occupant));
        }

        var presence = new Presence { To = occupant, Id = Stanza.NewId() };
        presence.Add(new MucJoin { Password = password, MaxHistoryStanzas = maxHistoryStanzas });
        return presence;
    }

    public string? Password
    {
        get => (string?)Element(PasswordName);
        set => this.SetChildText(PasswordName, value);
    }

    /// <summary>&lt;history maxstanzas='…'/&gt;; null when the room's default applies.</summary>
    public int? MaxHistoryStanzas
    {
        get
        {
            var text = (string?)Element(HistoryName)?.Attribute("maxstanzas");
            if (text is null)
            {
                return null;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new MalformedElementException($"<history maxstanzas='{text}'> is not a non-negative integer", Name.ToString());
        }

        set
        {
            if (value is < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "a history limit cannot be negative");
            }

            var history = Element(HistoryName);
            if (value is null)
            {
                history?.SetAttributeValue("maxstanzas", null);
                if (history is not null && !history.HasAttributes)
                {
                    history.Remove();
                }

                return;
            }

            if (history is null)
            {
                history = new XElement(HistoryName);
                Add(history);
            }

            history.SetAttributeValue("maxstanzas", value.Value.ToString(CultureInfo.InvariantCulture));
        }
    }
}
