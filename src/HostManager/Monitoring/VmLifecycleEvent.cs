using CleverCloud.HostManager.Libvirt;

namespace CleverCloud.HostManager.Monitoring;

/// <summary>A domain lifecycle change reported by libvirt (defined, started, suspended, stopped, …).</summary>
/// <param name="Detail">libvirt's detail code for the event type (e.g. for Stopped: 0 shutdown, 1 destroyed, 2 crashed, …).</param>
public sealed record VmLifecycleEvent(string Name, string Uuid, DomainLifecycleEventType Event, int Detail, DateTimeOffset ObservedAt)
{
    /// <summary>The event name used on the wire, e.g. "started".</summary>
    public string EventName => Event switch
    {
        DomainLifecycleEventType.Defined => "defined",
        DomainLifecycleEventType.Undefined => "undefined",
        DomainLifecycleEventType.Started => "started",
        DomainLifecycleEventType.Suspended => "suspended",
        DomainLifecycleEventType.Resumed => "resumed",
        DomainLifecycleEventType.Stopped => "stopped",
        DomainLifecycleEventType.Shutdown => "shutdown",
        DomainLifecycleEventType.PowerManagementSuspended => "pmsuspended",
        DomainLifecycleEventType.Crashed => "crashed",
        _ => "unknown",
    };
}
