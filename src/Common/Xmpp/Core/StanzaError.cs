using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>RFC 6120 §8.3.2 error types: what the sender of the failed stanza should do next.</summary>
public enum StanzaErrorType
{
    /// <summary>Do not retry: the error cannot be remedied.</summary>
    Cancel,

    /// <summary>Proceed: the condition was only a warning.</summary>
    Continue,

    /// <summary>Retry after changing the data sent.</summary>
    Modify,

    /// <summary>Retry after providing credentials.</summary>
    Auth,

    /// <summary>Retry after waiting: the error is temporary.</summary>
    Wait,
}

/// <summary>RFC 6120 §8.3.3 defined stanza error conditions.</summary>
public enum StanzaErrorCondition
{
    BadRequest,
    Conflict,
    FeatureNotImplemented,
    Forbidden,
    Gone,
    InternalServerError,
    ItemNotFound,
    JidMalformed,
    NotAcceptable,
    NotAllowed,
    NotAuthorized,
    PolicyViolation,
    RecipientUnavailable,
    Redirect,
    RegistrationRequired,
    RemoteServerNotFound,
    RemoteServerTimeout,
    ResourceConstraint,
    ServiceUnavailable,
    SubscriptionRequired,
    UndefinedCondition,
    UnexpectedRequest,
}

/// <summary>
/// The &lt;error type='…'&gt;&lt;condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/&gt;&lt;text/&gt;&lt;/error&gt;
/// child of an error stanza (RFC 6120 §8.3.2).
/// </summary>
public sealed class StanzaError : XElement, IXmppElement
{
    private static readonly XmlEnumMap<StanzaErrorType> TypeNames = new(
        (StanzaErrorType.Cancel, "cancel"),
        (StanzaErrorType.Continue, "continue"),
        (StanzaErrorType.Modify, "modify"),
        (StanzaErrorType.Auth, "auth"),
        (StanzaErrorType.Wait, "wait"));

    private static readonly XmlEnumMap<StanzaErrorCondition> ConditionNames = new(
        (StanzaErrorCondition.BadRequest, "bad-request"),
        (StanzaErrorCondition.Conflict, "conflict"),
        (StanzaErrorCondition.FeatureNotImplemented, "feature-not-implemented"),
        (StanzaErrorCondition.Forbidden, "forbidden"),
        (StanzaErrorCondition.Gone, "gone"),
        (StanzaErrorCondition.InternalServerError, "internal-server-error"),
        (StanzaErrorCondition.ItemNotFound, "item-not-found"),
        (StanzaErrorCondition.JidMalformed, "jid-malformed"),
        (StanzaErrorCondition.NotAcceptable, "not-acceptable"),
        (StanzaErrorCondition.NotAllowed, "not-allowed"),
        (StanzaErrorCondition.NotAuthorized, "not-authorized"),
        (StanzaErrorCondition.PolicyViolation, "policy-violation"),
        (StanzaErrorCondition.RecipientUnavailable, "recipient-unavailable"),
        (StanzaErrorCondition.Redirect, "redirect"),
        (StanzaErrorCondition.RegistrationRequired, "registration-required"),
        (StanzaErrorCondition.RemoteServerNotFound, "remote-server-not-found"),
        (StanzaErrorCondition.RemoteServerTimeout, "remote-server-timeout"),
        (StanzaErrorCondition.ResourceConstraint, "resource-constraint"),
        (StanzaErrorCondition.ServiceUnavailable, "service-unavailable"),
        (StanzaErrorCondition.SubscriptionRequired, "subscription-required"),
        (StanzaErrorCondition.UndefinedCondition, "undefined-condition"),
        (StanzaErrorCondition.UnexpectedRequest, "unexpected-request"));

    private static readonly XName TextName = XmppNamespaces.Stanzas + "text";

    public StanzaError()
        : base(ElementName)
    {
    }

    /// <summary>An error with the given type and condition and an optional human-readable text.</summary>
    public StanzaError(StanzaErrorType type, StanzaErrorCondition condition, string? text = null)
        : this()
    {
        Type = type;
        Condition = condition;
        Text = text;
    }

    public static XName ElementName { get; } = XmppNamespaces.Client + "error";

    /// <summary>An error of the type RFC 6120 §8.3.3 recommends for <paramref name="condition"/>.</summary>
    public static StanzaError Create(StanzaErrorCondition condition, string? text = null) =>
        new(RecommendedType(condition), condition, text);

    public static StanzaErrorType RecommendedType(StanzaErrorCondition condition) => condition switch
    {
        StanzaErrorCondition.BadRequest or StanzaErrorCondition.JidMalformed or StanzaErrorCondition.NotAcceptable
            or StanzaErrorCondition.PolicyViolation or StanzaErrorCondition.Redirect => StanzaErrorType.Modify,
        StanzaErrorCondition.Forbidden or StanzaErrorCondition.NotAuthorized
            or StanzaErrorCondition.RegistrationRequired or StanzaErrorCondition.SubscriptionRequired => StanzaErrorType.Auth,
        StanzaErrorCondition.RecipientUnavailable or StanzaErrorCondition.RemoteServerTimeout
            or StanzaErrorCondition.ResourceConstraint or StanzaErrorCondition.UnexpectedRequest => StanzaErrorType.Wait,
        _ => StanzaErrorType.Cancel,
    };

    public StanzaErrorType Type
    {
        get
        {
            var name = (string?)Attribute("type") ?? throw new MalformedElementException(
                "<error> has no 'type' attribute, which RFC 6120 §8.3.2 requires", Name.ToString());
            return TypeNames.Parse(name, "type", Name.ToString());
        }

        set => SetAttributeValue("type", TypeNames.ToName(value));
    }

    /// <summary>
    /// The defined condition. A condition this library does not know (a later RFC, a legacy server) reads as
    /// <see cref="StanzaErrorCondition.UndefinedCondition"/>, as RFC 6120 §8.3.2 has receivers treat it;
    /// <see cref="ConditionName"/> keeps the original name.
    /// </summary>
    public StanzaErrorCondition Condition
    {
        get
        {
            var name = ConditionName ?? throw new MalformedElementException(
                "<error> has no defined-condition child, which RFC 6120 §8.3.2 requires", Name.ToString());
            return ConditionNames.TryParse(name, out var condition) ? condition : StanzaErrorCondition.UndefinedCondition;
        }

        set
        {
            ConditionElement?.Remove();
            AddFirst(new XElement(XmppNamespaces.Stanzas + ConditionNames.ToName(value)));
        }
    }

    /// <summary>The local name of the defined-condition child as received; null when missing.</summary>
    public string? ConditionName => ConditionElement?.Name.LocalName;

    /// <summary>The redirect target of &lt;gone/&gt; and &lt;redirect/&gt; (RFC 6120 §8.3.3.5, §8.3.3.14).</summary>
    public string? AlternateAddress
    {
        get
        {
            var value = ConditionElement?.Value;
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }

    public string? Text
    {
        get => (string?)Element(TextName);
        set
        {
            Elements(TextName).Remove();
            if (value is not null)
            {
                Add(new XElement(TextName, new XAttribute(XmppNamespaces.XmlLang, "en"), value));
            }
        }
    }

    /// <summary>The entity that generated the error, when it said so.</summary>
    public Jid? By
    {
        get => this.GetJidAttribute("by");
        set => SetAttributeValue("by", value?.ToString());
    }

    /// <summary>An application-specific condition element (RFC 6120 §8.3.4), outside the stanzas namespace.</summary>
    public XElement? ApplicationCondition
    {
        get => Elements().FirstOrDefault(child => child.Name.Namespace != XmppNamespaces.Stanzas);
        set
        {
            Elements().Where(child => child.Name.Namespace != XmppNamespaces.Stanzas).Remove();
            if (value is not null)
            {
                Add(value);
            }
        }
    }

    private XElement? ConditionElement =>
        Elements().FirstOrDefault(child => child.Name.Namespace == XmppNamespaces.Stanzas && child.Name != TextName);
}
