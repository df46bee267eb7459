using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>RFC 6120 §4.9.3 stream error conditions.</summary>
public enum StreamErrorCondition
{
    BadFormat,
    BadNamespacePrefix,
    Conflict,
    ConnectionTimeout,
    HostGone,
    HostUnknown,
    ImproperAddressing,
    InternalServerError,
    InvalidFrom,
    InvalidNamespace,
    InvalidXml,
    NotAuthorized,
    NotWellFormed,
    PolicyViolation,
    RemoteConnectionFailed,
    Reset,
    ResourceConstraint,
    RestrictedXml,
    SeeOtherHost,
    SystemShutdown,
    UndefinedCondition,
    UnsupportedEncoding,
    UnsupportedFeature,
    UnsupportedStanzaType,
    UnsupportedVersion,
}

/// <summary>The &lt;stream:error/&gt; element that ends a stream (RFC 6120 §4.9).</summary>
public sealed class StreamError : XElement, IXmppElement
{
    internal static readonly XmlEnumMap<StreamErrorCondition> ConditionNames = new(
        (StreamErrorCondition.BadFormat, "bad-format"),
        (StreamErrorCondition.BadNamespacePrefix, "bad-namespace-prefix"),
        (StreamErrorCondition.Conflict, "conflict"),
        (StreamErrorCondition.ConnectionTimeout, "connection-timeout"),
        (StreamErrorCondition.HostGone, "host-gone"),
        (StreamErrorCondition.HostUnknown, "host-unknown"),
        (StreamErrorCondition.ImproperAddressing, "improper-addressing"),
        (StreamErrorCondition.InternalServerError, "internal-server-error"),
        (StreamErrorCondition.InvalidFrom, "invalid-from"),
        (StreamErrorCondition.InvalidNamespace, "invalid-namespace"),
        (StreamErrorCondition.InvalidXml, "invalid-xml"),
        (StreamErrorCondition.NotAuthorized, "not-authorized"),
        (StreamErrorCondition.NotWellFormed, "not-well-formed"),
        (StreamErrorCondition.PolicyViolation, "policy-violation"),
        (StreamErrorCondition.RemoteConnectionFailed, "remote-connection-failed"),
        (StreamErrorCondition.Reset, "reset"),
        (StreamErrorCondition.ResourceConstraint, "resource-constraint"),
        (StreamErrorCondition.RestrictedXml, "restricted-xml"),
        (StreamErrorCondition.SeeOtherHost, "see-other-host"),
        (StreamErrorCondition.SystemShutdown, "system-shutdown"),
        (StreamErrorCondition.UndefinedCondition, "undefined-condition"),
        (StreamErrorCondition.UnsupportedEncoding, "unsupported-encoding"),
        (StreamErrorCondition.UnsupportedFeature, "unsupported-feature"),
        (StreamErrorCondition.UnsupportedStanzaType, "unsupported-stanza-type"),
        (StreamErrorCondition.UnsupportedVersion, "unsupported-version"));

    private static readonly XName TextName = XmppNamespaces.StreamErrors + "text";

    public StreamError()
        : base(ElementName)
    {
    }

    public StreamError(StreamErrorCondition condition, string? text = null)
        : this()
    {
        Condition = condition;
        Text = text;
    }

    public static XName ElementName { get; } = XmppNamespaces.Streams + "error";

    /// <summary>The condition; an unknown one reads as undefined-condition, <see cref="ConditionName"/> keeps it.</summary>
    public StreamErrorCondition Condition
    {
        get
        {
            var name = ConditionName ?? throw new MalformedElementException(
                "<stream:error> has no condition child, which RFC 6120 §4.9.2 requires", Name.ToString());
            return ConditionNames.TryParse(name, out var condition) ? condition : StreamErrorCondition.UndefinedCondition;
        }

        set
        {
            ConditionElement?.Remove();
            AddFirst(new XElement(XmppNamespaces.StreamErrors + ConditionNames.ToName(value)));
        }
    }

    public string? ConditionName => ConditionElement?.Name.LocalName;

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

    /// <summary>The host (and optional port) named by &lt;see-other-host&gt; (RFC 6120 §4.9.3.19).</summary>
    public string? AlternateHost
    {
        get
        {
            var element = Element(XmppNamespaces.StreamErrors + "see-other-host");
            return string.IsNullOrWhiteSpace(element?.Value) ? null : element.Value.Trim();
        }

        set
        {
            Condition = StreamErrorCondition.SeeOtherHost;
            ConditionElement!.Value = value ?? string.Empty;
        }
    }

    public StreamErrorException ToException() => new(Condition, Text, AlternateHost);

    private XElement? ConditionElement =>
        Elements().FirstOrDefault(child => child.Name.Namespace == XmppNamespaces.StreamErrors && child.Name != TextName);
}
