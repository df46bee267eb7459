using CleverCloud.HostManager.Libvirt;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Monitoring;

/// <summary>Log messages of host monitoring and libvirt events (event ids 5300-5399).</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(EventId = 5300, Level = LogLevel.Information, Message = "Subscribed to domain lifecycle events on {Uri}")]
    public static partial void SubscribedToLifecycleEvents(this ILogger logger, string uri);

    [LoggerMessage(EventId = 5301, Level = LogLevel.Debug, Message = "VM {Name} ({Uuid}): {Event} (detail {Detail})")]
    public static partial void LifecycleEvent(this ILogger logger, string name, string uuid, DomainLifecycleEventType @event, int detail);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Warning, Message = "Lifecycle event queue full: dropped the oldest event")]
    public static partial void LifecycleEventDropped(this ILogger logger);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Warning, Message = "Hypervisor unavailable, retrying in {Delay}: {Reason}")]
    public static partial void HypervisorUnavailable(this ILogger logger, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Error, Message = "A libvirt callback threw")]
    public static partial void CallbackFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5310, Level = LogLevel.Debug, Message = "Host status: cpu {CpuPercent:0.0}%, memory {MemoryAvailableKiB}/{MemoryTotalKiB} KiB available, {VmCount} VMs")]
    public static partial void Sampled(this ILogger logger, double cpuPercent, ulong memoryAvailableKiB, ulong memoryTotalKiB, int vmCount);

    [LoggerMessage(EventId = 5311, Level = LogLevel.Warning, Message = "Host sample incomplete: cannot read {Source}: {Reason}")]
    public static partial void SampleSourceFailed(this ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 5312, Level = LogLevel.Error, Message = "A HostStatus change handler threw")]
    public static partial void StatusHandlerFailed(this ILogger logger, Exception exception);
}
