using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Agent.Messaging;

/// <summary>
/// Joins the command protocol to XMPP (paper Fig. 7, "inter-module communication with security"): outbound messages
/// are encoded, protected (signed and encrypted) and sent as message stanzas; inbound stanzas are opened — verification
/// first, nothing acted on before it succeeds — then decoded and handed to the <see cref="CommandEndpoint"/>.
/// </summary>
/// <remarks>
/// Inbound work has two stages. Opening runs one message at a time per sender, in the order the channel delivered
/// them: the replay defence tracks each sender's counter in a bounded window, and opening a sender's messages
/// concurrently let a late-scheduled one fall behind that window and be refused as a replay (measured: dozens of
/// 3,000 pipelined events through ejabberd). Senders are opened concurrently, so a directory lookup for one never
/// stalls another. Handling (a command may run for minutes) then runs on its own task, at most
/// <c>maxConcurrentMessages</c> at once; when that many are busy, opening waits, and when
/// 4 × <c>maxConcurrentMessages</c> messages wait to be opened the channel's delivery waits too (back-pressure
/// instead of an unbounded queue).
/// </remarks>
public sealed partial class AgentMessenger : IMessageSender
{
    /// <summary>Recipient string meaning "the whole room" (groupchat).</summary>
    public const string RoomRecipient = "*";

    private readonly IAgentChannel _channel;
    private readonly IMessageProtector _protector;
    private readonly ILogger<AgentMessenger> _logger;
    private readonly SemaphoreSlim _handling;
    private readonly SemaphoreSlim _waitingToOpen;
    private readonly Dictionary<string, Queue<InboundStanza>> _openQueues = new(StringComparer.Ordinal);
    private readonly Lock _openQueuesGate = new();
    private CommandEndpoint? _endpoint;
    private long _rejected;

    public AgentMessenger(IAgentChannel channel, IMessageProtector protector, ILogger<AgentMessenger> logger, int maxConcurrentMessages = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentMessages, 1);
        _channel = channel;
        _protector = protector;
        _logger = logger;
        _handling = new SemaphoreSlim(maxConcurrentMessages);
        _waitingToOpen = new SemaphoreSlim(4 * maxConcurrentMessages);
        _channel.MessageReceived += OnMessageAsync;
    }

    /// <summary>Inbound messages refused by the protection layer since start.</summary>
    public long RejectedCount => Interlocked.Read(ref _rejected);

    /// <summary>Raised for each refused inbound message, after it was logged (for the security counters and tests).</summary>
    public event Action<InboundStanza, UnprotectResult>? Rejected;

    /// <summary>Connects the endpoint that receives opened messages (it is built after this sender exists).</summary>
    public void Attach(CommandEndpoint endpoint) => _endpoint = endpoint;

    public async ValueTask SendAsync(string recipient, ProtocolMessage message, CancellationToken cancellationToken)
    {
        var toRoom = recipient == RoomRecipient;
        var viaRoom = toRoom || recipient.StartsWith(_channel.RoomJid + "/", StringComparison.OrdinalIgnoreCase);
        // Room traffic is encrypted under the room key every member holds: bind the intended recipient inside the
        // signed payload so a member cannot replay a command meant for one host to another.
        var boundRecipient = viaRoom && !toRoom ? Addresses.Bare(_channel.IdentityOf(recipient) ?? recipient) : null;
        var payload = ProtocolCodec.Encode(message, boundRecipient);
        var identity = viaRoom && !toRoom ? _channel.IdentityOf(recipient) : toRoom ? null : recipient;
        var reply = message as CommandReply;
        var envelope = new OutboundEnvelope(toRoom ? _channel.RoomJid : recipient, message.Id, KindName(message.Kind), viaRoom, identity,
            reply?.Result.Code, reply?.InReplyTo);
        var children = await _protector.ProtectAsync(envelope, payload, cancellationToken).ConfigureAwait(false);
        if (toRoom)
            await _channel.SendToRoomAsync(message.Id, children, cancellationToken).ConfigureAwait(false);
        else
            await _channel.SendDirectAsync(recipient, message.Id, children, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Raised by the channel in arrival order: queues the message behind its sender's earlier ones.</summary>
    private async Task OnMessageAsync(InboundStanza inbound, CancellationToken cancellationToken)
    {
        if (!_protector.CarriesPayload(inbound.Stanza))
            return; // Not protocol traffic (room subject, human chat, invitations): not ours to judge.

        await _waitingToOpen.WaitAsync(cancellationToken).ConfigureAwait(false);
        var sender = inbound.RealJid ?? inbound.From;
        lock (_openQueuesGate)
        {
            if (_openQueues.TryGetValue(sender, out var queue))
            {
                queue.Enqueue(inbound);
                return; // that sender's opener takes it in turn
            }
            _openQueues.Add(sender, new Queue<InboundStanza>());
        }
        _ = Task.Run(() => OpenInOrderAsync(sender, inbound, cancellationToken), CancellationToken.None);
    }

    /// <summary>Opens <paramref name="first"/>, then whatever the same sender sent meanwhile, one at a time.</summary>
    private async Task OpenInOrderAsync(string sender, InboundStanza first, CancellationToken cancellationToken)
    {
        var next = first;
        while (true)
        {
            try
            {
                await OpenAndDispatchAsync(next, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down: what is still queued is dropped, as the connection's unread stanzas are.
            }
            catch (Exception ex)
            {
                // Whatever went wrong with this message, the sender's later ones must still be opened: a dead opener
                // would leave its queue in place and stall that sender for good.
                LogOpenFailed(ex, next.From);
            }
            finally
            {
                _waitingToOpen.Release();
            }
            lock (_openQueuesGate)
            {
                var queue = _openQueues[sender];
                if (!queue.TryDequeue(out next!))
                {
                    _openQueues.Remove(sender);
                    return;
                }
            }
        }
    }

    private async Task OpenAndDispatchAsync(InboundStanza inbound, CancellationToken cancellationToken)
    {
        var recipient = inbound.ViaRoom ? _channel.RoomJid : _channel.OwnJid;
        UnprotectResult opened;
        try
        {
            opened = await _protector.UnprotectAsync(inbound.Stanza, inbound.RealJid, inbound.From, recipient, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The directory being unreachable is not the sender's fault; drop without acting and say so.
            LogOpenFailed(ex, inbound.From);
            return;
        }

        if (opened.Consumed)
            return;
        if (!opened.Accepted)
        {
            Interlocked.Increment(ref _rejected);
            LogRejected(inbound.From, inbound.RealJid ?? "?", (int)opened.Code, opened.Code, opened.Reason ?? "");
            Rejected?.Invoke(inbound, opened);
            return;
        }

        var endpoint = _endpoint;
        if (endpoint is null)
        {
            LogNotReady(inbound.From);
            return;
        }
        await _handling.WaitAsync(cancellationToken).ConfigureAwait(false);
        _ = Task.Run(async () =>
        {
            try
            {
                await endpoint.ReceiveAsync(opened.Payload, new InboundContext(inbound.From, opened.Identity ?? inbound.RealJid, opened.Role),
                    cancellationToken, ownIdentity: _channel.OwnJid).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogHandlingFailed(ex, inbound.From);
            }
            finally
            {
                _handling.Release();
            }
        }, CancellationToken.None);
    }

    private static string KindName(MessageKind kind) => kind switch
    {
        MessageKind.Request => "request",
        MessageKind.Reply => "reply",
        _ => "event",
    };

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Security: rejected a message from {From} (claims {Identity}): error {Code} {CodeName}: {Reason}")]
    private partial void LogRejected(string from, string identity, int code, ErrorCode codeName, string reason);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "Could not open a message from {From}; dropped without acting on it")]
    private partial void LogOpenFailed(Exception exception, string from);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Warning, Message = "Message from {From} arrived before the agent was ready; dropped")]
    private partial void LogNotReady(string from);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Error, Message = "Handling a message from {From} failed")]
    private partial void LogHandlingFailed(Exception exception, string from);
}
