using CleverCloud.HostManager.Libvirt;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Monitoring;

/// <summary>
/// Samples the host every <see cref="HostManagerOptions.MonitoringInterval"/>: CPU from /proc/stat deltas, memory from
/// /proc/meminfo, disk from statvfs of the image directory, load average, and the VMs with their states. Keeps the
/// latest <see cref="HostStatus"/> and raises <see cref="StatusChanged"/> when it changes materially.
/// </summary>
public sealed class HostMonitor : BackgroundService
{
    private readonly HypervisorConnection _hypervisor;
    private readonly HostManagerOptions _options;
    private readonly ILogger<HostMonitor> _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _sampling = new(1, 1);
    private CpuTimes? _previousCpu;
    private HostStatus? _latest;
    private HostStatus? _lastAnnounced;

    public HostMonitor(HypervisorConnection hypervisor, IOptions<HostManagerOptions> options, ILogger<HostMonitor> logger,
        TimeProvider? time = null)
    {
        _hypervisor = hypervisor;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The most recent sample, or null before the first.</summary>
    public HostStatus? Latest => Volatile.Read(ref _latest);

    /// <summary>Raised after a sample that differs materially from the last announced one (see <see cref="HostStatus.IsMateriallyDifferentFrom"/>).</summary>
    public event EventHandler<HostStatus>? StatusChanged;

    /// <summary>Takes a sample now (also used by the periodic loop). CPU is measured since the previous sample, or since boot for the first.</summary>
    public async Task<HostStatus> SampleAsync(CancellationToken cancellationToken)
    {
        await _sampling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var status = await TakeSampleAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _latest, status);
            _logger.Sampled(status.CpuPercent, status.MemoryAvailableKiB, status.MemoryTotalKiB, status.Vms.Count);
            if (status.IsMateriallyDifferentFrom(_lastAnnounced))
            {
                _lastAnnounced = status;
                Announce(status);
            }
            return status;
        }
        finally
        {
            _sampling.Release();
        }
    }

    public override void Dispose()
    {
        _sampling.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.MonitoringInterval, _time);
        do
        {
            await SampleAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<HostStatus> TakeSampleAsync(CancellationToken cancellationToken)
    {
        var cpu = HostMetricsReader.ReadCpuTimes();
        var cpuPercent = CpuTimes.PercentBusy(_previousCpu ?? new CpuTimes(0, 0), cpu);
        _previousCpu = cpu;
        var memory = HostMetricsReader.ReadMemory();
        var load = HostMetricsReader.ReadLoadAverage();
        var disk = ReadDisk();

        IReadOnlyList<VmStatus> vms = [];
        var connected = false;
        try
        {
            vms = await _hypervisor.RunAsync(ListVms, cancellationToken).ConfigureAwait(false);
            connected = true;
        }
        catch (LibvirtException exception)
        {
            // The host sample is still worth reporting: it says the hypervisor is unreachable.
            _logger.SampleSourceFailed("libvirt domains", exception.Message);
        }

        return new HostStatus(_time.GetUtcNow(), Environment.MachineName, Math.Round(cpuPercent, 1), Environment.ProcessorCount,
            load.One, load.Five, load.Fifteen, memory.TotalKiB, memory.AvailableKiB, disk.TotalBytes, disk.AvailableBytes,
            connected, vms);
    }

    private DiskSpace ReadDisk()
    {
        try
        {
            return HostMetricsReader.ReadDiskSpace(_options.ImageDirectory);
        }
        catch (IOException exception)
        {
            _logger.SampleSourceFailed(_options.ImageDirectory, exception.Message);
            return default;
        }
    }

    private static IReadOnlyList<VmStatus> ListVms(LibvirtConnection connection)
    {
        var domains = connection.ListAllDomains();
        try
        {
            return domains
                .Select(d => new VmStatus(d.Name, d.GetUuid(), d.GetState().ToWireName()))
                .OrderBy(v => v.Name, StringComparer.Ordinal)
                .ToList();
        }
        finally
        {
            foreach (var domain in domains)
                domain.Dispose();
        }
    }

    private void Announce(HostStatus status)
    {
        var handlers = StatusChanged;
        if (handlers is null)
            return;
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<HostStatus>>())
        {
            try
            {
                handler(this, status);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // One faulty subscriber must not stop sampling or starve the others; it is logged, not hidden.
                _logger.StatusHandlerFailed(exception);
            }
        }
    }
}
