using System.Globalization;
using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>RFC 6121 §4.7.1 presence types; an absent type attribute means <see cref="Available"/>.</summary>
public enum PresenceType
{
    Available,
    Unavailable,
    Subscribe,
    Subscribed,
    Unsubscribe,
    Unsubscribed,
    Probe,
    Error,
}

/// <summary>RFC 6121 §4.7.2.1 availability sub-states.</summary>
public enum PresenceShow
{
    Away,
    Chat,
    DoNotDisturb,
    ExtendedAway,
}

/// <summary>A &lt;presence/&gt; stanza (RFC 6120 §8.2.2, RFC 6121 §4).</summary>
public sealed class Presence : Stanza, IXmppElement
{
    private static readonly XmlEnumMap<PresenceType> TypeNames = new(
        (PresenceType.Unavailable, "unavailable"),
        (PresenceType.Subscribe, "subscribe"),
        (PresenceType.Subscribed, "subscribed"),
        (PresenceType.Unsubscribe, "unsubscribe"),
        (PresenceType.Unsubscribed, "unsubscribed"),
        (PresenceType.Probe, "probe"),
        (PresenceType.Error, "error"));

    private static readonly XmlEnumMap<PresenceShow> ShowNames = new(
        (PresenceShow.Away, "away"),
        (PresenceShow.Chat, "chat"),
        (PresenceShow.DoNotDisturb, "dnd"),
        (PresenceShow.ExtendedAway, "xa"));

    public Presence()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Client + "presence";

    public PresenceType Type
    {
        get => TypeName is null ? PresenceType.Available : TypeNames.Parse(TypeName, "type", Name.ToString());

        // "available" is not a wire value: availability is the absence of the attribute.
        set => TypeName = value == PresenceType.Available ? null : TypeNames.ToName(value);
    }

    /// <summary>The availability sub-state; null when the entity is simply available.</summary>
    public PresenceShow? Show
    {
        get
        {
            var text = GetChildText("show");
            return text is null ? null : ShowNames.Parse(text, "<show/> value", Name.ToString());
        }

        set => SetChildText("show", value is null ? null : ShowNames.ToName(value.Value));
    }

    public string? Status
    {
        get => GetChildText("status");
        set => SetChildText("status", value);
    }

    /// <summary>The resource priority, -128..127, 0 when absent (RFC 6121 §4.7.2.3).</summary>
    public sbyte Priority
    {
        get
        {
            var text = GetChildText("priority");
            if (text is null)
            {
                return 0;
            }

            return sbyte.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new MalformedElementException(
                    $"<priority>{text}</priority> is not an integer between -128 and 127", Name.ToString());
        }

        set => SetChildText("priority", value.ToString(CultureInfo.InvariantCulture));
    }
}
