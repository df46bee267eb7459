using System.Text.Json.Serialization;

namespace CleverCloud.HostManager.Monitoring;

/// <summary>One sample of the host's health, as forwarded to the CM (in presence) and returned by host.stats.</summary>
public sealed record HostStatus(
    DateTimeOffset SampledAt,
    string Hostname,
    double CpuPercent,
    int CpuCount,
    double LoadAverage1,
    double LoadAverage5,
    double LoadAverage15,
    ulong MemoryTotalKiB,
    ulong MemoryAvailableKiB,
    ulong DiskTotalBytes,
    ulong DiskAvailableBytes,
    bool HypervisorConnected,
    IReadOnlyList<VmStatus> Vms)
{
    /// <summary>
    /// Whether this sample differs from <paramref name="previous"/> enough to tell anyone: VMs or their states,
    /// hypervisor reachability, or CPU / memory / disk moving by at least the given share of their range.
    /// </summary>
    public bool IsMateriallyDifferentFrom(HostStatus? previous, double threshold = 0.05)
    {
        if (previous is null)
            return true;
        if (HypervisorConnected != previous.HypervisorConnected || !Vms.SequenceEqual(previous.Vms))
            return true;
        if (Math.Abs(CpuPercent - previous.CpuPercent) >= threshold * 100)
            return true;
        return Moved(MemoryAvailableKiB, previous.MemoryAvailableKiB, MemoryTotalKiB, threshold)
            || Moved(DiskAvailableBytes, previous.DiskAvailableBytes, DiskTotalBytes, threshold);
    }

    private static bool Moved(ulong now, ulong before, ulong total, double threshold) =>
        total > 0 && Math.Abs((double)now - before) >= threshold * total;
}

/// <summary>A VM on this host and its state name ("running", "shutoff", …).</summary>
public sealed record VmStatus(string Name, string Uuid, string State);

/// <summary>Source-generated JSON for monitoring records: no reflection, NativeAOT-safe.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HostStatus))]
[JsonSerializable(typeof(VmLifecycleEvent))]
public sealed partial class MonitoringJsonContext : JsonSerializerContext;
