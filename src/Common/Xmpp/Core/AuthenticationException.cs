namespace CleverCloud.Xmpp.Core;

/// <summary>RFC 6120 §6.5 SASL failure conditions.</summary>
public enum SaslFailureCondition
{
    Aborted,
    AccountDisabled,
    CredentialsExpired,
    EncryptionRequired,
    IncorrectEncoding,
    InvalidAuthzid,
    InvalidMechanism,
    MalformedRequest,
    MechanismTooWeak,
    NotAuthorized,
    TemporaryAuthFailure,
}

/// <summary>
/// SASL authentication failed, either because the server sent &lt;failure/&gt; with <see cref="Condition"/> or because
/// the client refused to go on (no acceptable mechanism, a server message that breaks the mechanism's rules). Only
/// temporary-auth-failure is transient: every other condition fails again with the same credentials.
/// </summary>
public class AuthenticationException : XmppException
{
    public AuthenticationException(SaslFailureCondition condition, string message, string? serverText = null, Exception? innerException = null)
        : base(message, condition == SaslFailureCondition.TemporaryAuthFailure, innerException)
    {
        Condition = condition;
        ServerText = serverText;
    }

    public SaslFailureCondition Condition { get; }

    /// <summary>The server's own &lt;text/&gt; or SCRAM 'e=' value, when it sent one.</summary>
    public string? ServerText { get; }
}
