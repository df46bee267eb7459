using System.Threading.Channels;
using CleverCloud.HostManager.Libvirt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Monitoring;

/// <summary>
/// Surfaces libvirt domain lifecycle events as a channel of <see cref="VmLifecycleEvent"/>. Subscribes on every new
/// hypervisor connection (so events resume after a reconnect) and, while running as a hosted service, keeps the
/// connection up: when it is lost it reconnects with the connection's back-off.
/// </summary>
public sealed class LifecycleEventMonitor : BackgroundService
{
    private const int QueueCapacity = 1024;

    private readonly HypervisorConnection _hypervisor;
    private readonly ILogger<LifecycleEventMonitor> _logger;
    private readonly TimeProvider _time;
    private readonly Channel<VmLifecycleEvent> _events;

    public LifecycleEventMonitor(HypervisorConnection hypervisor, ILogger<LifecycleEventMonitor> logger, TimeProvider? time = null)
    {
        _hypervisor = hypervisor;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        // Bounded so that nobody reading cannot grow memory without limit; the newest events matter most.
        _events = Channel.CreateBounded<VmLifecycleEvent>(
            new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true },
            _ => _logger.LifecycleEventDropped());
        LibvirtRuntime.CallbackFailed += OnCallbackFailed;
        _hypervisor.AddConnectionInitializer(Subscribe);
    }

    /// <summary>Lifecycle events in the order libvirt delivered them. One consumer (the CM forwarder) is expected.</summary>
    public ChannelReader<VmLifecycleEvent> Events => _events.Reader;

    /// <summary>Opens the connection (and so subscribes) now instead of at the first operation.</summary>
    public Task EnsureSubscribedAsync(CancellationToken cancellationToken) =>
        _hypervisor.RunAsync(static _ => { }, cancellationToken);

    public override void Dispose()
    {
        LibvirtRuntime.CallbackFailed -= OnCallbackFailed;
        _events.Writer.TryComplete();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureSubscribedAsync(stoppingToken).ConfigureAwait(false);
                await _hypervisor.WhenConnectionLostAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (LibvirtException exception) when (exception.IsConnectionFailure)
            {
                var delay = _hypervisor.ReconnectDelay;
                if (delay <= TimeSpan.Zero)
                    delay = TimeSpan.FromMilliseconds(100);
                _logger.HypervisorUnavailable(delay, exception.LibvirtMessage);
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    // Runs on a libvirt worker for each new connection.
    private void Subscribe(LibvirtConnection connection)
    {
        connection.SubscribeLifecycleEvents(OnLifecycleEvent);
        _logger.SubscribedToLifecycleEvents(connection.Uri);
    }

    // Runs on libvirt's event-loop thread: only queue.
    private void OnLifecycleEvent(string name, string uuid, DomainLifecycleEventType eventType, int detail)
    {
        _logger.LifecycleEvent(name, uuid, eventType, detail);
        _events.Writer.TryWrite(new VmLifecycleEvent(name, uuid, eventType, detail, _time.GetUtcNow()));
    }

    private void OnCallbackFailed(Exception exception) => _logger.CallbackFailed(exception);
}
