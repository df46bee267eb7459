using System.Xml.Linq;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Muc;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Agent.Messaging;

/// <summary>
/// <see cref="IAgentChannel"/> over the project's XMPP client and the cluster room. Inbound messages are raised in the
/// order the stream delivered them, one at a time, on the client's dispatch loop; the messenger only queues them there
/// (it opens and handles them on its own tasks), so a long request never stops the replies it is itself waiting for.
/// </summary>
public sealed partial class XmppAgentChannel : IAgentChannel, IDisposable
{
    private readonly XmppClient _client;
    private readonly MultiUserChat _muc;
    private readonly Jid _room;
    private readonly ILogger<XmppAgentChannel> _logger;

    public XmppAgentChannel(XmppClient client, MultiUserChat muc, AgentOptions options, ILogger<XmppAgentChannel> logger)
    {
        _client = client;
        _muc = muc;
        _room = Jid.Parse(options.RoomJid);
        _logger = logger;
        Nick = options.Nick ?? client.Options.Username;
        _client.MessageReceived += OnMessageAsync;
    }

    public string RoomJid => _room.ToString();

    public string OwnJid => _client.BareJid.ToString();

    public string Nick { get; }

    /// <summary>Our own address in the room.</summary>
    public string OwnOccupant => _room.WithResource(Nick).ToString();

    public event Func<InboundStanza, CancellationToken, Task>? MessageReceived;

    public string? IdentityOf(string occupantAddress) =>
        Jid.TryParse(occupantAddress, out var jid) ? _muc.FindOccupant(jid)?.RealJid?.ToString() : null;

    public ValueTask SendDirectAsync(string to, string id, IReadOnlyList<XElement> children, CancellationToken cancellationToken)
    {
        var message = new Message { To = Jid.Parse(to), Type = MessageType.Chat, Id = id };
        foreach (var child in children)
            message.Add(child);
        return new ValueTask(_client.SendAsync(message, cancellationToken));
    }

    public ValueTask SendToRoomAsync(string id, IReadOnlyList<XElement> children, CancellationToken cancellationToken)
    {
        var message = new Message { To = _room, Type = MessageType.Groupchat, Id = id };
        foreach (var child in children)
            message.Add(child);
        return new ValueTask(_client.SendAsync(message, cancellationToken));
    }

    private async Task OnMessageAsync(Message message, CancellationToken cancellationToken)
    {
        if (message.From is not { } from || MessageReceived is not { } handlers)
            return;
        if (message.Type == MessageType.Error)
        {
            LogBounced(from.ToString(), message.Error?.ConditionName ?? "unknown");
            return;
        }

        InboundStanza inbound;
        if (from.Bare == _room)
        {
            if (from.Resource is null || from.Resource == Nick)
                return; // room subject/status, or the room echoing our own groupchat
            // Non-anonymous room: the occupant list maps the nick to the sender's real JID, which its signature must match.
            inbound = new InboundStanza(message, from.ToString(), _muc.FindOccupant(from)?.RealJid?.ToString(), ViaRoom: true);
        }
        else
        {
            inbound = new InboundStanza(message, from.ToString(), from.Bare.ToString(), ViaRoom: false);
        }

        try
        {
            foreach (var handler in handlers.GetInvocationList().Cast<Func<InboundStanza, CancellationToken, Task>>())
                await handler(inbound, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogHandlerFailed(ex, inbound.From);
        }
    }

    public void Dispose()
    {
        _client.MessageReceived -= OnMessageAsync;
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Message bounced from {From}: {Condition}")]
    private partial void LogBounced(string from, string condition);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Error, Message = "Handling a message from {From} failed")]
    private partial void LogHandlerFailed(Exception exception, string from);
}
