using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Ping;
using CleverCloud.Xmpp.Xml;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Xmpp.Client;

/// <summary>
/// One XMPP client session (RFC 6120/6121) that stays up: connects, negotiates TLS, authenticates with SASL, binds a
/// resource, correlates iq requests and responses, keeps the connection alive with XEP-0199 pings and reconnects with
/// exponential backoff and jitter when it is lost. Incoming messages and presences are delivered in order on one
/// dispatch loop; handlers must not block it for long.
/// </summary>
public sealed partial class XmppClient : IAsyncDisposable
{
    private readonly XmppClientOptions _options;
    private readonly ILogger<XmppClient> _logger;
    private readonly ElementRegistry _registry;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, PendingIq> _pendingIqs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<XName, Func<Iq, CancellationToken, Task<XElement?>>> _iqHandlers = new();
    private readonly Channel<Stanza> _inbound = Channel.CreateUnbounded<Stanza>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _stateGate = new();
    private Session? _session;
    private Task? _supervisor;
    private Task? _dispatcher;
    private bool _accountRegistered;
    private int _disposed;

    public XmppClient(XmppClientOptions options, ILogger<XmppClient>? logger = null, ElementRegistry? registry = null, TimeProvider? time = null)
    {
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger<XmppClient>.Instance;
        _registry = registry ?? ElementRegistry.CreateDefault();
        _time = time ?? TimeProvider.System;
        HandleIq(XmppPing.ElementName, (_, _) => Task.FromResult<XElement?>(null));
    }

    public XmppClientOptions Options => _options;

    /// <summary>The full JID the server bound for this session; null until connected.</summary>
    public Jid? BoundJid { get; private set; }

    public Jid BareJid => new(_options.Username, _options.Domain);

    public ConnectionState State { get; private set; } = ConnectionState.Disconnected;

    public event Action<ConnectionStateChange>? StateChanged;

    /// <summary>Raised on the dispatch loop after each (re)established session, before queued stanzas flow again.</summary>
    public event Func<CancellationToken, Task>? SessionEstablished;

    public event Func<Message, CancellationToken, Task>? MessageReceived;

    public event Func<Presence, CancellationToken, Task>? PresenceReceived;

    /// <summary>
    /// Answers incoming iq get/set requests whose payload has this name. Return the result payload (or null for an
    /// empty result); throw <see cref="StanzaErrorException"/> to answer with an error.
    /// </summary>
    public void HandleIq(XName payloadName, Func<Iq, CancellationToken, Task<XElement?>> handler) =>
        _iqHandlers[payloadName] = handler;

    /// <summary>
    /// Establishes the first session. Throws the typed failure (<see cref="AuthenticationException"/>,
    /// <see cref="Transport.TlsNegotiationException"/>, a transient <see cref="XmppException"/> when the server is
    /// unreachable); afterwards lost connections are re-established in the background.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_supervisor is not null)
            throw new InvalidOperationException("ConnectAsync was already called.");

        SetState(ConnectionState.Connecting, 0, null, null);
        Session session;
        try
        {
            session = await EstablishAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            SetState(ConnectionState.Disconnected, 0, null, ex);
            throw;
        }
        _dispatcher = Task.Run(DispatchLoopAsync);
        _supervisor = Task.Run(() => SuperviseAsync(session));
    }

    public Task SendAsync(XElement stanza, CancellationToken cancellationToken)
    {
        var session = _session;
        if (session is null || State != ConnectionState.Connected)
            throw new XmppException($"not connected (state {State})", isTransient: true);
        return session.WriteAsync(stanza, cancellationToken);
    }

    /// <summary>
    /// Sends an iq get/set and returns the matching result (same id, from the entity addressed: RFC 6120 §8.1.2.1).
    /// An error response throws <see cref="StanzaErrorException"/>; no response within <paramref name="timeout"/>
    /// (default <see cref="XmppClientOptions.IqTimeout"/>) throws <see cref="IqTimeoutException"/>; the caller's token
    /// throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<Iq> SendIqAsync(Iq request, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        if (!request.IsRequest)
            throw new ArgumentException("Only iq get/set requests expect a response.", nameof(request));
        request.Id ??= Stanza.NewId();
        var id = request.Id;
        var pending = new PendingIq(request.To);
        if (!_pendingIqs.TryAdd(id, pending))
            throw new InvalidOperationException($"An iq with id '{id}' is already pending.");

        var effectiveTimeout = timeout ?? _options.IqTimeout;
        using var timeoutSource = new CancellationTokenSource(effectiveTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token, _lifetime.Token);
        try
        {
            await SendAsync(request, linked.Token).ConfigureAwait(false);
            var response = await pending.Completion.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            if (response.Type == IqType.Error)
                throw response.ToException();
            return response;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && timeoutSource.IsCancellationRequested)
        {
            throw new IqTimeoutException(id, request.To?.ToString() ?? _options.Domain, effectiveTimeout);
        }
        finally
        {
            _pendingIqs.TryRemove(id, out _);
        }
    }

    /// <summary>Drops the current connection as if the network failed (tests, and a stalled ping).</summary>
    public void AbortConnection() => _session?.Transport.Abort();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        var session = _session;
        if (session is not null && State == ConnectionState.Connected)
        {
            try
            {
                using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await session.WriteRawAsync(Encoding.UTF8.GetBytes("<presence type='unavailable'/></stream:stream>"), closing.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or XmppException)
            {
                // Closing politely is best effort: the connection may already be gone.
            }
        }
        _lifetime.Cancel();
        session?.Transport.Abort();
        _inbound.Writer.TryComplete();
        if (_supervisor is not null)
            await _supervisor.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_dispatcher is not null)
            await _dispatcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var (_, pending) in _pendingIqs)
            pending.Completion.TrySetCanceled();
        if (session is not null)
            await session.DisposeAsync().ConfigureAwait(false);
        SetState(ConnectionState.Faulted, 0, null, null);
        _lifetime.Dispose();
    }

    // ------------------------------------------------------------------ supervision

    private async Task SuperviseAsync(Session session)
    {
        var attempt = 0;
        while (true)
        {
            Exception? ended = null;
            try
            {
                await RunSessionAsync(session).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                ended = ex;
            }
            await session.DisposeAsync().ConfigureAwait(false);
            _session = null;
            BoundJid = null;
            FailPendingIqs(ended);

            if (_lifetime.IsCancellationRequested)
                return;
            LogDisconnected(ended?.Message ?? "stream closed");
            if (!_options.AutoReconnect)
            {
                SetState(ConnectionState.Faulted, attempt, null, ended);
                return;
            }

            while (true)
            {
                attempt++;
                var delay = BackoffDelay(attempt);
                SetState(ConnectionState.Reconnecting, attempt, delay, ended);
                LogReconnecting(attempt, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, _time, _lifetime.Token).ConfigureAwait(false);
                    session = await EstablishAsync(_lifetime.Token).ConfigureAwait(false);
                    attempt = 0;
                    break;
                }
                catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (IsPermanent(ex))
                {
                    LogGaveUp(ex, ex.Message);
                    SetState(ConnectionState.Faulted, attempt, null, ex);
                    return;
                }
                catch (Exception ex)
                {
                    ended = ex;
                    LogReconnectFailed(attempt, ex.Message);
                }
            }
        }
    }

    private static bool IsPermanent(Exception ex) => ex switch
    {
        AuthenticationException auth => !auth.IsTransient,
        Transport.TlsNegotiationException => true,
        _ => false,
    };

    /// <summary>Exponential backoff with full jitter: a random delay up to base·2^attempt, capped.</summary>
    private TimeSpan BackoffDelay(int attempt)
    {
        var ceiling = Math.Min(_options.ReconnectMaxDelay.TotalMilliseconds,
            _options.ReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 20)));
        return TimeSpan.FromMilliseconds(Math.Max(1, Random.Shared.NextDouble() * ceiling));
    }

    private async Task RunSessionAsync(Session session)
    {
        using var sessionEnd = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
        var keepalive = _options.PingInterval > TimeSpan.Zero
            ? Task.Run(() => KeepAliveAsync(session, sessionEnd.Token))
            : Task.CompletedTask;
        try
        {
            await ReadLoopAsync(session, sessionEnd.Token).ConfigureAwait(false);
        }
        finally
        {
            await sessionEnd.CancelAsync().ConfigureAwait(false);
            await keepalive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task KeepAliveAsync(Session session, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(_options.PingInterval, _time, cancellationToken).ConfigureAwait(false);
            try
            {
                await SendIqAsync(XmppPing.CreateRequest(new Jid(null, _options.Domain)), cancellationToken, _options.PingTimeout).ConfigureAwait(false);
            }
            catch (IqTimeoutException)
            {
                LogStalled(_options.PingTimeout.TotalMilliseconds);
                session.Transport.Abort();
                return;
            }
            catch (StanzaErrorException)
            {
                // An error reply still proves the connection is alive (a server without XEP-0199 answers this way).
            }
        }
    }

    private async Task ReadLoopAsync(Session session, CancellationToken cancellationToken)
    {
        while (true)
        {
            var element = await session.NextElementAsync(cancellationToken).ConfigureAwait(false);
            switch (element)
            {
                case Iq iq when iq.Type is IqType.Result or IqType.Error:
                    CompleteIq(iq);
                    break;
                case Iq iq:
                    _ = AnswerIqAsync(session, iq, cancellationToken);
                    break;
                case Stanza stanza:
                    await _inbound.Writer.WriteAsync(stanza, cancellationToken).ConfigureAwait(false);
                    break;
                case StreamError error:
                    throw error.ToException();
                default:
                    LogUnexpectedElement(element.Name.ToString());
                    break;
            }
        }
    }

    private void CompleteIq(Iq response)
    {
        if (response.Id is not { } id || !_pendingIqs.TryGetValue(id, out var pending))
        {
            LogUnmatchedIq(response.Id ?? "(none)", response.From?.ToString() ?? "(server)");
            return;
        }
        if (!IsExpectedResponder(pending.To, response.From))
        {
            LogIqFromWrongEntity(id, response.From?.ToString() ?? "(server)", pending.To?.ToString() ?? "(server)");
            return;
        }
        pending.Completion.TrySetResult(response);
    }

    /// <summary>RFC 6120 §8.1.2.1: a response must come from the entity the request was sent to.</summary>
    private bool IsExpectedResponder(Jid? requestedTo, Jid? respondedFrom)
    {
        if (requestedTo is null || requestedTo == BoundJid?.Bare || requestedTo == BoundJid)
            return respondedFrom is null || respondedFrom == BoundJid?.Bare || respondedFrom == BoundJid
                || respondedFrom.ToString() == _options.Domain;
        return respondedFrom == requestedTo;
    }

    private async Task AnswerIqAsync(Session session, Iq request, CancellationToken cancellationToken)
    {
        Iq response;
        var payload = request.Payload;
        if (payload is null || !_iqHandlers.TryGetValue(payload.Name, out var handler))
        {
            // RFC 6120 §8.4: an iq this entity does not understand gets service-unavailable.
            response = request.CreateError(StanzaError.Create(StanzaErrorCondition.ServiceUnavailable));
        }
        else
        {
            try
            {
                response = request.CreateResult(await handler(request, cancellationToken).ConfigureAwait(false));
            }
            catch (StanzaErrorException ex)
            {
                response = request.CreateError(new StanzaError(ex.ErrorType, ex.Condition, ex.Text));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogIqHandlerFailed(ex, payload.Name.ToString());
                response = request.CreateError(StanzaError.Create(StanzaErrorCondition.InternalServerError));
            }
        }
        try
        {
            await session.WriteAsync(response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection went away while answering; the requester will time out and retry.
        }
    }

    private async Task DispatchLoopAsync()
    {
        try
        {
            await foreach (var stanza in _inbound.Reader.ReadAllAsync(_lifetime.Token).ConfigureAwait(false))
            {
                try
                {
                    switch (stanza)
                    {
                        case SessionMarker:
                            await RaiseAsync(SessionEstablished).ConfigureAwait(false);
                            break;
                        case Message message when MessageReceived is { } onMessage:
                            foreach (var handler in onMessage.GetInvocationList().Cast<Func<Message, CancellationToken, Task>>())
                                await handler(message, _lifetime.Token).ConfigureAwait(false);
                            break;
                        case Presence presence when PresenceReceived is { } onPresence:
                            foreach (var handler in onPresence.GetInvocationList().Cast<Func<Presence, CancellationToken, Task>>())
                                await handler(presence, _lifetime.Token).ConfigureAwait(false);
                            break;
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_lifetime.IsCancellationRequested)
                {
                    LogHandlerFailed(ex, stanza.Name.LocalName);
                }
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private async Task RaiseAsync(Func<CancellationToken, Task>? handlers)
    {
        if (handlers is null)
            return;
        foreach (var handler in handlers.GetInvocationList().Cast<Func<CancellationToken, Task>>())
        {
            try
            {
                await handler(_lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_lifetime.IsCancellationRequested)
            {
                LogHandlerFailed(ex, "session-established");
            }
        }
    }

    private void FailPendingIqs(Exception? reason)
    {
        foreach (var (_, pending) in _pendingIqs)
            pending.Completion.TrySetException(new XmppException("connection lost before the response arrived: " + (reason?.Message ?? "stream closed"), isTransient: true, reason));
    }

    private void SetState(ConnectionState state, int attempt, TimeSpan? delay, Exception? error)
    {
        lock (_stateGate)
            State = state;
        try
        {
            StateChanged?.Invoke(new ConnectionStateChange(state, attempt, delay, error));
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex, "state-changed");
        }
    }

    private sealed class PendingIq(Jid? to)
    {
        public Jid? To { get; } = to;
        public TaskCompletionSource<Iq> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Queued on the dispatch loop after a session is established, so handlers run in order with stanzas.</summary>
    private sealed class SessionMarker : Stanza
    {
        public SessionMarker() : base(XmppNamespaces.Client + "session-established") { }
    }
}

/// <summary>No iq response arrived in time. Transient: the request may be retried.</summary>
public sealed class IqTimeoutException(string id, string to, TimeSpan timeout)
    : XmppException($"no response to iq '{id}' from {to} within {timeout.TotalSeconds:0.###} s", isTransient: true, new TimeoutException());
