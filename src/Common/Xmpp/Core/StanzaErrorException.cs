using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>
/// The peer answered a stanza with an error stanza (RFC 6120 §8.3). Transient exactly when the error type is
/// 'wait', the one type that tells the sender to retry unchanged later.
/// </summary>
public sealed class StanzaErrorException : XmppException
{
    public StanzaErrorException(StanzaErrorType type, StanzaErrorCondition condition, string? text, XElement? stanza)
        : base(Describe(type, condition, text, stanza), isTransient: type == StanzaErrorType.Wait)
    {
        ErrorType = type;
        Condition = condition;
        Text = text;
        Stanza = stanza;
    }

    public StanzaErrorType ErrorType { get; }
    public StanzaErrorCondition Condition { get; }

    /// <summary>The peer's human-readable explanation, when it gave one.</summary>
    public string? Text { get; }

    /// <summary>The error stanza as received.</summary>
    public XElement? Stanza { get; }

    private static string Describe(StanzaErrorType type, StanzaErrorCondition condition, string? text, XElement? stanza)
    {
        var id = (string?)stanza?.Attribute("id");
        var from = (string?)stanza?.Attribute("from");
        var where = stanza is null ? string.Empty : $" to <{stanza.Name.LocalName}> id '{id}' from '{from}'";
        var why = string.IsNullOrEmpty(text) ? string.Empty : $": {text}";
        return $"stanza error{where}: {condition} (type {type}){why}";
    }
}
