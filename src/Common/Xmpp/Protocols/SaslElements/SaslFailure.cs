using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.SaslElements;

/// <summary>&lt;failure/&gt; in the SASL namespace, with a condition and optional text (RFC 6120 §6.4.5, §6.5).</summary>
public sealed class SaslFailure : XElement, IXmppElement
{
    private static readonly XmlEnumMap<SaslFailureCondition> ConditionNames = new(
        (SaslFailureCondition.Aborted, "aborted"),
        (SaslFailureCondition.AccountDisabled, "account-disabled"),
        (SaslFailureCondition.CredentialsExpired, "credentials-expired"),
        (SaslFailureCondition.EncryptionRequired, "encryption-required"),
        (SaslFailureCondition.IncorrectEncoding, "incorrect-encoding"),
        (SaslFailureCondition.InvalidAuthzid, "invalid-authzid"),
        (SaslFailureCondition.InvalidMechanism, "invalid-mechanism"),
        (SaslFailureCondition.MalformedRequest, "malformed-request"),
        (SaslFailureCondition.MechanismTooWeak, "mechanism-too-weak"),
        (SaslFailureCondition.NotAuthorized, "not-authorized"),
        (SaslFailureCondition.TemporaryAuthFailure, "temporary-auth-failure"));

    private static readonly XName TextName = XmppNamespaces.Sasl + "text";

    public SaslFailure()
        : base(ElementName)
    {
    }

    public SaslFailure(SaslFailureCondition condition, string? text = null)
        : this()
    {
        Add(new XElement(XmppNamespaces.Sasl + ConditionNames.ToName(condition)));
        if (text is not null)
        {
            Add(new XElement(TextName, new XAttribute(XmppNamespaces.XmlLang, "en"), text));
        }
    }

    public static XName ElementName { get; } = XmppNamespaces.Sasl + "failure";

    /// <summary>The condition element's local name as received; null when the server sent none.</summary>
    public string? ConditionName =>
        Elements().FirstOrDefault(child => child.Name.Namespace == XmppNamespaces.Sasl && child.Name != TextName)?.Name.LocalName;

    /// <summary>The defined condition; null when missing or not one RFC 6120 defines.</summary>
    public SaslFailureCondition? Condition => ConditionNames.TryParse(ConditionName, out var condition) ? condition : null;

    public string? Text => (string?)Element(TextName);

    /// <summary>
    /// The exception for this failure. A missing or unknown condition is reported as not-authorized (the outcome is the
    /// same: the login failed) with the received name in the message.
    /// </summary>
    public AuthenticationException ToException(string mechanism)
    {
        var condition = Condition ?? SaslFailureCondition.NotAuthorized;
        var name = ConditionName ?? "no condition";
        var text = string.IsNullOrEmpty(Text) ? string.Empty : $": {Text}";
        return new AuthenticationException(condition, $"SASL {mechanism} authentication failed with <{name}/>{text}", Text);
    }
}
