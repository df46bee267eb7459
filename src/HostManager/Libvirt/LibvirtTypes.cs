namespace CleverCloud.HostManager.Libvirt;

/// <summary>libvirt's <c>virDomainState</c>.</summary>
public enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    ShuttingDown = 4,
    Shutoff = 5,
    Crashed = 6,
    PowerManagementSuspended = 7,
}

/// <summary>libvirt's <c>virDomainEventType</c> for lifecycle events.</summary>
public enum DomainLifecycleEventType
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Suspended = 3,
    Resumed = 4,
    Stopped = 5,
    Shutdown = 6,
    PowerManagementSuspended = 7,
    Crashed = 8,
}

/// <summary>libvirt's <c>virConnectCloseReason</c>.</summary>
public enum ConnectionCloseReason
{
    Error = 0,
    EndOfFile = 1,
    KeepAliveTimeout = 2,
    ClientClosed = 3,
}

/// <summary><c>virDomainUndefineFlagsValues</c>.</summary>
[Flags]
public enum DomainUndefineFlags : uint
{
    None = 0,
    ManagedSave = 1,
    SnapshotsMetadata = 2,
    Nvram = 4,
    KeepNvram = 8,
    CheckpointsMetadata = 16,
}

/// <summary><c>virDomainMigrateFlags</c> (the subset used here).</summary>
[Flags]
public enum DomainMigrateFlags : ulong
{
    None = 0,
    Live = 1,
    PeerToPeer = 2,
    Tunnelled = 4,
    PersistDestination = 8,
    UndefineSource = 16,
}

/// <summary><c>virDomainModificationImpact</c>: which definition a change applies to.</summary>
[Flags]
public enum DomainModificationImpact : uint
{
    Current = 0,
    Live = 1,
    Config = 2,
}

public static class DomainStateExtensions
{
    /// <summary>The state name used on the wire, e.g. "running", "shutoff".</summary>
    public static string ToWireName(this DomainState state) => state switch
    {
        DomainState.NoState => "nostate",
        DomainState.Running => "running",
        DomainState.Blocked => "blocked",
        DomainState.Paused => "paused",
        DomainState.ShuttingDown => "shutting-down",
        DomainState.Shutoff => "shutoff",
        DomainState.Crashed => "crashed",
        DomainState.PowerManagementSuspended => "pmsuspended",
        _ => "unknown",
    };

    /// <summary>Whether the domain has a live instance (anything but shut off, crashed-and-stopped or no state).</summary>
    public static bool IsActive(this DomainState state) =>
        state is DomainState.Running or DomainState.Blocked or DomainState.Paused or DomainState.ShuttingDown
            or DomainState.PowerManagementSuspended;
}

public readonly record struct DomainInfo(
    DomainState State, ulong MaxMemoryKiB, ulong MemoryKiB, int VirtualCpus, ulong CpuTimeNanoseconds);

/// <summary>Block device counters; -1 means the driver does not report that counter.</summary>
public readonly record struct BlockStats(long ReadRequests, long ReadBytes, long WriteRequests, long WriteBytes, long Errors);

/// <summary>Network interface counters; -1 means the driver does not report that counter.</summary>
public readonly record struct InterfaceStats(
    long RxBytes, long RxPackets, long RxErrors, long RxDrops, long TxBytes, long TxPackets, long TxErrors, long TxDrops);

public readonly record struct NodeInfo(
    string Model, ulong MemoryKiB, int Cpus, int Mhz, int NumaNodes, int Sockets, int CoresPerSocket, int ThreadsPerCore);

/// <summary>A lifecycle event as libvirt delivered it, on libvirt's event-loop thread.</summary>
public delegate void DomainLifecycleHandler(string name, string uuid, DomainLifecycleEventType eventType, int detail);
