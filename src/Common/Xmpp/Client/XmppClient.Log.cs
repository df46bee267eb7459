using Microsoft.Extensions.Logging;

namespace CleverCloud.Xmpp.Client;

public sealed partial class XmppClient
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "XMPP session established as {Jid} (TLS: {Encrypted})")]
    private partial void LogConnected(string jid, bool encrypted);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "XMPP connection lost: {Reason}")]
    private partial void LogDisconnected(string reason);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Reconnecting (attempt {Attempt}) in {DelayMs:0} ms")]
    private partial void LogReconnecting(int attempt, double delayMs);

    [LoggerMessage(EventId = 2104, Level = LogLevel.Warning, Message = "Reconnect attempt {Attempt} failed: {Reason}")]
    private partial void LogReconnectFailed(int attempt, string reason);

    [LoggerMessage(EventId = 2105, Level = LogLevel.Error, Message = "Giving up reconnecting: {Reason}")]
    private partial void LogGaveUp(Exception exception, string reason);

    [LoggerMessage(EventId = 2106, Level = LogLevel.Warning, Message = "Connection stalled: no ping answer within {TimeoutMs:0} ms; tearing it down")]
    private partial void LogStalled(double timeoutMs);

    [LoggerMessage(EventId = 2107, Level = LogLevel.Debug, Message = "Authenticating with SASL {Mechanism}")]
    private partial void LogAuthenticating(string mechanism);

    [LoggerMessage(EventId = 2108, Level = LogLevel.Information, Message = "Registered account {User}@{Domain} in-band")]
    private partial void LogRegistered(string user, string domain);

    [LoggerMessage(EventId = 2109, Level = LogLevel.Debug, Message = "Account {User} already exists")]
    private partial void LogAccountExists(string user);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "In-band registration refused ({Condition}: {Text}); trying to log in with the configured credentials")]
    private partial void LogRegistrationRefused(string condition, string text);

    [LoggerMessage(EventId = 2111, Level = LogLevel.Debug, Message = "Ignored unexpected element {Element}")]
    private partial void LogUnexpectedElement(string element);

    [LoggerMessage(EventId = 2112, Level = LogLevel.Debug, Message = "Ignored iq response '{Id}' from {From} that matches no request")]
    private partial void LogUnmatchedIq(string id, string from);

    [LoggerMessage(EventId = 2113, Level = LogLevel.Warning, Message = "Ignored iq response '{Id}' from {From}: the request went to {To} (RFC 6120 §8.1.2.1)")]
    private partial void LogIqFromWrongEntity(string id, string from, string to);

    [LoggerMessage(EventId = 2114, Level = LogLevel.Error, Message = "Handler for iq {Payload} failed")]
    private partial void LogIqHandlerFailed(Exception exception, string payload);

    [LoggerMessage(EventId = 2115, Level = LogLevel.Error, Message = "Handler for {Stanza} failed")]
    private partial void LogHandlerFailed(Exception exception, string stanza);
}
