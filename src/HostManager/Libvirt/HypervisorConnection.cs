using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Libvirt;

/// <summary>
/// The Host Manager's libvirt connection: opened on first use, shared by all operations, replaced when it is lost.
/// Work runs on the dedicated <see cref="LibvirtWorkerPool"/>. A call that fails because the connection died fails
/// with a connection <see cref="LibvirtException"/> (mapped to HypervisorUnavailable); the next call reconnects.
/// Failed reconnects back off exponentially (initial delay doubling up to the maximum), so a dead hypervisor is not
/// hammered; callers arriving during the back-off fail fast.
/// </summary>
public sealed class HypervisorConnection : IDisposable
{
    private readonly HostManagerOptions _options;
    private readonly ILogger<HypervisorConnection> _logger;
    private readonly TimeProvider _time;
    private readonly LibvirtWorkerPool _workers;
    private readonly Lock _gate = new();
    private readonly List<Action<LibvirtConnection>> _initializers = [];
    private readonly List<Action<LibvirtConnection>> _pendingInitializers = [];
    private LibvirtConnection? _current;
    private bool _currentLost;
    private int _failedAttempts;
    private DateTimeOffset _nextAttemptAt = DateTimeOffset.MinValue;
    private TaskCompletionSource _lostSignal = NewSignal();
    private bool _disposed;

    public HypervisorConnection(IOptions<HostManagerOptions> options, ILogger<HypervisorConnection> logger, TimeProvider? time = null)
    {
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _workers = new LibvirtWorkerPool(_options.LibvirtWorkerThreads);
    }

    public string Uri => _options.LibvirtUri;

    /// <summary>Whether a connection is open and not known to be lost (no libvirt call is made).</summary>
    public bool IsConnected
    {
        get
        {
            lock (_gate)
                return _current is { IsClosed: false } && !_currentLost;
        }
    }

    /// <summary>How long callers wait before the next reconnect attempt (zero when connected or none failed yet).</summary>
    public TimeSpan ReconnectDelay
    {
        get
        {
            lock (_gate)
            {
                var wait = _nextAttemptAt - _time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }
    }

    /// <summary>
    /// Adds set-up that runs once on every new connection (event registrations, for instance), on the libvirt worker
    /// of the first call that uses the connection, before that call's work. Added while a connection is open, it
    /// runs on that connection at the next call.
    /// </summary>
    public void AddConnectionInitializer(Action<LibvirtConnection> initializer)
    {
        ArgumentNullException.ThrowIfNull(initializer);
        lock (_gate)
        {
            _initializers.Add(initializer);
            if (_current is not null)
                _pendingInitializers.Add(initializer);
        }
    }

    /// <summary>Completes when the current connection is found lost (closed by libvirt or failing calls).</summary>
    public Task WhenConnectionLostAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
            return _lostSignal.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Runs blocking libvirt work on a worker with the (re)opened connection.</summary>
    public Task<T> RunAsync<T>(Func<LibvirtConnection, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _workers.RunAsync(() =>
        {
            var connection = Acquire();
            try
            {
                return work(connection);
            }
            catch (LibvirtException exception) when (exception.IsConnectionFailure || !connection.IsAlive())
            {
                MarkLost(connection, exception.Message);
                throw exception.AsConnectionFailure();
            }
        }, cancellationToken);
    }

    public Task RunAsync(Action<LibvirtConnection> work, CancellationToken cancellationToken) =>
        RunAsync(connection =>
        {
            work(connection);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Closes the current connection as if it had died underneath, without telling anyone: the next call fails as
    /// it would on a lost transport, and the one after reconnects. For fault-injection tests.
    /// </summary>
    public void SimulateConnectionLoss()
    {
        lock (_gate)
            _current?.Dispose();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
                return;
            _disposed = true;
        }
        _workers.Dispose();
        lock (_gate)
        {
            _current?.Dispose();
            _current = null;
        }
    }

    // Runs on a worker thread.
    private LibvirtConnection Acquire()
    {
        List<Action<LibvirtConnection>> toRun;
        LibvirtConnection connection;
        lock (_gate)
        {
            if (_current is not null && _currentLost)
            {
                _current.Dispose();
                _current = null;
            }
            if (_current is null)
            {
                _current = Open();
                _currentLost = false;
                _pendingInitializers.Clear();
                _pendingInitializers.AddRange(_initializers);
            }
            connection = _current;
            toRun = [.. _pendingInitializers];
            _pendingInitializers.Clear();
        }
        foreach (var initializer in toRun)
            RunInitializer(initializer, connection);
        return connection;
    }

    private void RunInitializer(Action<LibvirtConnection> initializer, LibvirtConnection connection)
    {
        try
        {
            initializer(connection);
        }
        catch (LibvirtException exception)
        {
            // The work the caller asked for can still run; the initializer retries on the next connection.
            _logger.InitializerFailed(exception, connection.Uri);
        }
    }

    // Called with _gate held.
    private LibvirtConnection Open()
    {
        var now = _time.GetUtcNow();
        if (now < _nextAttemptAt)
        {
            throw new LibvirtException("virConnectOpen", LibvirtErrorCode.NoConnect, LibvirtErrorDomain.None,
                $"not connected to {_options.LibvirtUri}; next reconnect attempt in {(_nextAttemptAt - now).TotalSeconds:0.#} s",
                connectionLost: true);
        }
        LibvirtConnection connection;
        try
        {
            connection = LibvirtConnection.Open(_options.LibvirtUri);
        }
        catch (LibvirtException exception)
        {
            _failedAttempts++;
            var delay = BackoffDelay(_failedAttempts);
            _nextAttemptAt = now + delay;
            _logger.ConnectFailed(_options.LibvirtUri, _failedAttempts, delay, exception.LibvirtMessage);
            throw;
        }
        try
        {
            ConfigureConnection(connection);
            _logger.Connected(_options.LibvirtUri, connection.GetHypervisorType());
        }
        catch (LibvirtException)
        {
            connection.Dispose();
            throw;
        }
        _failedAttempts = 0;
        _nextAttemptAt = DateTimeOffset.MinValue;
        _lostSignal = NewSignal();
        return connection;
    }

    private void ConfigureConnection(LibvirtConnection connection)
    {
        if (_options.KeepAliveIntervalSeconds > 0
            && !connection.SetKeepAlive(_options.KeepAliveIntervalSeconds, (uint)_options.KeepAliveCount))
        {
            _logger.KeepAliveUnsupported(_options.LibvirtUri);
        }
        connection.RegisterCloseCallback(reason =>
        {
            // Runs on libvirt's event-loop thread: only mark; the next call on a worker disposes and reopens.
            _logger.ConnectionClosedByLibvirt(connection.Uri, reason);
            MarkLost(connection, $"closed by libvirt: {reason}");
        });
    }

    private TimeSpan BackoffDelay(int failedAttempts)
    {
        var exponent = Math.Min(failedAttempts - 1, 20);
        var delay = _options.ReconnectInitialDelay * Math.Pow(2, exponent);
        return delay > _options.ReconnectMaxDelay ? _options.ReconnectMaxDelay : delay;
    }

    private void MarkLost(LibvirtConnection connection, string reason)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (!ReferenceEquals(_current, connection) || _currentLost)
                return;
            _currentLost = true;
            signal = _lostSignal;
        }
        _logger.ConnectionLost(connection.Uri, reason);
        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
