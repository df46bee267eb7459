using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Agent.Hosting;

/// <summary>
/// First connection of an agent at start: the XMPP server may come up after the agent (boot order, restarts), so
/// transient failures are retried with jittered backoff; a wrong password or an untrusted server stops the service
/// with the reason.
/// </summary>
public static partial class AgentConnector
{
    public static async Task ConnectAsync(XmppClient client, ILogger logger, CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
                // Available presence: messages to our bare JID are delivered to us (RFC 6121 §8.5.2.1).
                await client.SendAsync(new Presence(), cancellationToken).ConfigureAwait(false);
                client.SessionEstablished += async ct => await client.SendAsync(new Presence(), ct).ConfigureAwait(false);
                return;
            }
            catch (XmppException ex) when (ex.IsTransient && !cancellationToken.IsCancellationRequested)
            {
                attempt++;
                var delay = TimeSpan.FromMilliseconds(Random.Shared.Next(250, (int)Math.Min(30_000, 500 * Math.Pow(2, Math.Min(attempt, 10)))));
                LogRetrying(logger, attempt, delay.TotalMilliseconds, ex.Message);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "XMPP server not reachable (attempt {Attempt}), retrying in {DelayMs:0} ms: {Reason}")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delayMs, string reason);
}
