using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>RFC 6121 §5.2.2 message types.</summary>
public enum MessageType
{
    Normal,
    Chat,
    Error,
    Groupchat,
    Headline,
}

/// <summary>A &lt;message/&gt; stanza (RFC 6120 §8.2.1, RFC 6121 §5).</summary>
public sealed class Message : Stanza, IXmppElement
{
    internal static readonly XmlEnumMap<MessageType> TypeNames = new(
        (MessageType.Normal, "normal"),
        (MessageType.Chat, "chat"),
        (MessageType.Error, "error"),
        (MessageType.Groupchat, "groupchat"),
        (MessageType.Headline, "headline"));

    public Message()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Client + "message";

    /// <summary>The message type; an absent attribute means <see cref="MessageType.Normal"/> (RFC 6121 §5.2.2).</summary>
    public MessageType Type
    {
        get => TypeName is null ? MessageType.Normal : TypeNames.Parse(TypeName, "type", Name.ToString());
        set => TypeName = TypeNames.ToName(value);
    }

    public string? Body
    {
        get => GetChildText("body");
        set => SetChildText("body", value);
    }

    public string? Subject
    {
        get => GetChildText("subject");
        set => SetChildText("subject", value);
    }

    public string? Thread
    {
        get => GetChildText("thread");
        set => SetChildText("thread", value);
    }
}
