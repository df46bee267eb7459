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
public sealed partial class AgentMessenger : IMessageSender
{
    /// <summary>Recipient string meaning "the whole room" (groupchat).</summary>
    public const string RoomRecipient = "*";

    private readonly IAgentChannel _channel;
    private readonly IMessageProtector _protector;
    private readonly ILogger<AgentMessenger> _logger;
    private CommandEndpoint? _endpoint;
    private long _rejected;

    public AgentMessenger(IAgentChannel channel, IMessageProtector protector, ILogger<AgentMessenger> logger)
    {
        _channel = channel;
        _protector = protector;
        _logger = logger;
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

    private async Task OnMessageAsync(InboundStanza inbound, CancellationToken cancellationToken)
    {
        if (!_protector.CarriesPayload(inbound.Stanza))
            return; // Not protocol traffic (room subject, human chat, invitations): not ours to judge.

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
        await endpoint.ReceiveAsync(opened.Payload, new InboundContext(inbound.From, opened.Identity ?? inbound.RealJid, opened.Role),
            cancellationToken, ownIdentity: _channel.OwnJid).ConfigureAwait(false);
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
}
