using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CleverCloud.Protocol.Messages;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Protocol.Dispatching;

/// <summary>
/// One agent's end of the command protocol (paper Fig. 2/3). Outbound: sends requests and correlates replies by id,
/// with timeouts kept apart from cancellation. Inbound: checks and executes requests through the
/// <see cref="OperationDispatcher"/>, answers duplicates from the reply cache, completes pending requests with replies,
/// and hands events to subscribers.
/// </summary>
public sealed partial class CommandEndpoint : IDisposable
{
    private readonly IMessageSender _sender;
    private readonly OperationDispatcher? _dispatcher;
    private readonly ICommandAuthorizer? _authorizer;
    private readonly CommandEndpointOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CommandEndpoint> _logger;
    private readonly ReplyCache _replies;
    private readonly ConcurrentDictionary<string, PendingRequest> _pending = new(StringComparer.Ordinal);
    private readonly MessageIdGenerator _ids = new();
    private volatile bool _disposed;

    public CommandEndpoint(
        IMessageSender sender,
        OperationDispatcher? dispatcher,
        ICommandAuthorizer? authorizer,
        CommandEndpointOptions options,
        TimeProvider time,
        ILogger<CommandEndpoint> logger)
    {
        options.Validate();
        _sender = sender;
        _dispatcher = dispatcher;
        _authorizer = authorizer;
        _options = options;
        _time = time;
        _logger = logger;
        _replies = new ReplyCache(time, options.ReplyCacheLifetime, options.ReplyCacheCapacity);
    }

    /// <summary>Raised for every inbound event, after the security layer accepted it.</summary>
    public event Func<AgentEvent, InboundContext, Task>? EventReceived;

    public int PendingRequestCount => _pending.Count;

    public string NewMessageId() => _ids.Next();

    /// <summary>
    /// Sends a request and waits for its reply. A remote failure comes back as a failed <see cref="OperationResult"/>;
    /// no reply within the timeout throws <see cref="CommandTimeoutException"/>; the caller's token throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public Task<OperationResult> RequestAsync(
        string recipient, string operation, JsonObject? arguments, TimeSpan? timeout, CancellationToken cancellationToken)
        => RequestAsync(recipient, new CommandRequest(_ids.Next(), operation, arguments), timeout, cancellationToken);

    /// <summary>Sends a request with a caller-chosen id (a retry of the same id is answered from the receiver's cache).</summary>
    public async Task<OperationResult> RequestAsync(
        string recipient, CommandRequest request, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var effectiveTimeout = timeout ?? _options.DefaultRequestTimeout;
        var pending = new PendingRequest(recipient, request.Operation);
        if (!_pending.TryAdd(request.Id, pending))
            throw new InvalidOperationException($"A request with id '{request.Id}' is already waiting for its reply.");

        using var timeoutSource = new CancellationTokenSource(effectiveTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await _sender.SendAsync(recipient, request, linked.Token).ConfigureAwait(false);
            var reply = await pending.Completion.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            return reply.Result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeoutSource.IsCancellationRequested)
        {
            LogRequestTimedOut(request.Id, request.Operation, recipient, effectiveTimeout.TotalMilliseconds);
            throw new CommandTimeoutException(recipient, request.Operation, request.Id, effectiveTimeout);
        }
        finally
        {
            _pending.TryRemove(request.Id, out _);
        }
    }

    public ValueTask PublishEventAsync(string recipient, string name, JsonNode? data, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _sender.SendAsync(recipient, new AgentEvent(_ids.Next(), name, data), cancellationToken);
    }

    /// <summary>Entry point for raw protocol bytes that passed the transport and security layers.</summary>
    /// <param name="ownIdentity">This agent's bare JID: a message bound to another recipient is dropped.</param>
    public Task ReceiveAsync(ReadOnlyMemory<byte> payload, InboundContext sender, CancellationToken cancellationToken, string? ownIdentity = null)
    {
        ProtocolMessage message;
        try
        {
            message = ProtocolCodec.Decode(payload.Span, _options.MaxMessageBytes);
        }
        catch (ProtocolFormatException ex)
        {
            // Without a readable request id there is nothing a reply could refer to: log and drop.
            LogUndecodable(sender.Address, (int)ex.Code, ex.Message);
            return Task.CompletedTask;
        }
        if (message.To is not null && ownIdentity is not null && !string.Equals(message.To, ownIdentity, StringComparison.OrdinalIgnoreCase))
        {
            LogMisdirected(message.Id, sender.Address, message.To);
            return Task.CompletedTask;
        }
        return ReceiveAsync(message, sender, cancellationToken);
    }

    public async Task ReceiveAsync(ProtocolMessage message, InboundContext sender, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case CommandRequest request:
                await HandleRequestAsync(request, sender, cancellationToken).ConfigureAwait(false);
                break;
            case CommandReply reply:
                if (!_pending.TryGetValue(reply.InReplyTo, out var pending))
                    LogUnexpectedReply(reply.InReplyTo, sender.Address);
                else if (!pending.IsFrom(sender))
                    // RFC 6120 §8.1.2.1 applied to our protocol: only the entity we asked may answer.
                    LogReplyFromWrongSender(reply.InReplyTo, sender.Address, pending.Recipient);
                else
                    pending.Completion.TrySetResult(reply);
                break;
            case AgentEvent agentEvent:
                var handlers = EventReceived;
                if (handlers is null)
                    break;
                foreach (var handler in handlers.GetInvocationList().Cast<Func<AgentEvent, InboundContext, Task>>())
                {
                    try
                    {
                        await handler(agentEvent, sender).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogEventHandlerFailed(ex, agentEvent.Name, sender.Address);
                    }
                }
                break;
        }
    }

    private async Task HandleRequestAsync(CommandRequest request, InboundContext sender, CancellationToken cancellationToken)
    {
        // Key duplicates by the authenticated identity when there is one: an occupant nick can change, the JID cannot.
        var senderKey = sender.Identity ?? sender.Address;
        var replyTask = _replies.GetOrExecute(senderKey, request.Id,
            () => ExecuteAsync(request, sender, cancellationToken), out var isDuplicate);
        if (isDuplicate)
            LogDuplicateRequest(request.Id, request.Operation, sender.Address);

        var reply = await replyTask.ConfigureAwait(false);
        await _sender.SendAsync(sender.Address, reply, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CommandReply> ExecuteAsync(CommandRequest request, InboundContext sender, CancellationToken cancellationToken)
    {
        OperationResult result;
        var refusal = _authorizer?.Authorize(request, sender);
        if (refusal is not null)
        {
            LogRefused(request.Id, request.Operation, sender.Address, (int)refusal.Code, refusal.Message ?? "");
            result = refusal;
        }
        else if (_dispatcher is null)
        {
            result = OperationResult.Fail(ErrorCode.UnknownOperation, "this agent executes no operations");
        }
        else
        {
            var context = new OperationContext(request.Id, sender.Identity ?? sender.Address, sender.Role);
            result = await _dispatcher.DispatchAsync(request.Operation, request.Arguments, context, cancellationToken).ConfigureAwait(false);
        }
        return new CommandReply(_ids.Next(), request.Id, result);
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var (_, pending) in _pending)
            pending.Completion.TrySetCanceled();
    }

    private sealed class PendingRequest(string recipient, string operation)
    {
        public string Recipient { get; } = recipient;
        public string Operation { get; } = operation;
        public TaskCompletionSource<CommandReply> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsFrom(InboundContext sender) =>
            string.Equals(sender.Address, Recipient, StringComparison.OrdinalIgnoreCase)
            || (sender.Identity is not null && string.Equals(sender.Identity, Recipient, StringComparison.OrdinalIgnoreCase));
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "No reply to request {RequestId} ('{Operation}') from {Recipient} within {TimeoutMs} ms")]
    private partial void LogRequestTimedOut(string requestId, string operation, string recipient, double timeoutMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Dropped an unreadable message from {Sender}: error {Code}: {Reason}")]
    private partial void LogUndecodable(string sender, int code, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "Reply to unknown or expired request {RequestId} from {Sender} ignored")]
    private partial void LogUnexpectedReply(string requestId, string sender);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning, Message = "Reply to request {RequestId} came from {Sender}, not from {Recipient}: ignored")]
    private partial void LogReplyFromWrongSender(string requestId, string sender, string recipient);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Dropped message {Id} from {Sender}: it is addressed to {To}, not to this agent")]
    private partial void LogMisdirected(string id, string sender, string to);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Duplicate request {RequestId} ('{Operation}') from {Sender}: answered from the reply cache")]
    private partial void LogDuplicateRequest(string requestId, string operation, string sender);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Request {RequestId} ('{Operation}') from {Sender} refused with {Code}: {Reason}")]
    private partial void LogRefused(string requestId, string operation, string sender, int code, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Error, Message = "Handler for event '{Event}' from {Sender} failed")]
    private partial void LogEventHandlerFailed(Exception exception, string @event, string sender);
}
