using CleverCloud.ClusterManager.State;

namespace CleverCloud.ClusterManager.Scheduling;

public sealed record VmRequirements(int Vcpus, long MemoryMiB);

public sealed record PlacementDecision(HostView? Host, string? Refusal)
{
    public bool Placed => Host is not null;
}

/// <summary>
/// Chooses the host for a new VM: among online, admitted hosts with enough free memory (after a reserve the host keeps
/// for itself), the one with the most free memory, then the fewest VMs — spreading load rather than packing, since a
/// CLEVER cluster is sized for availability. Memory already promised to VMs placed since the host's last report is
/// subtracted so a burst of creations cannot all land on one host.
/// </summary>
public sealed class PlacementPolicy
{
    private readonly long _hostReserveMiB;

    public PlacementPolicy(long hostReserveMiB = 256) => _hostReserveMiB = hostReserveMiB;

    public PlacementDecision Choose(
        IEnumerable<HostView> hosts,
        Func<string, bool> isAdmitted,
        VmRequirements requirements,
        IReadOnlyDictionary<string, long>? memoryPromisedMiB = null)
    {
        HostView? best = null;
        long bestFree = long.MinValue;
        var considered = 0;
        foreach (var host in hosts)
        {
            if (!host.Online || !isAdmitted(host.Jid))
                continue;
            considered++;
            var promised = memoryPromisedMiB is not null && memoryPromisedMiB.TryGetValue(host.Jid, out var p) ? p : 0;
            var free = host.MemoryFreeMiB - _hostReserveMiB - promised;
            if (free < requirements.MemoryMiB)
                continue;
            if (host.Cpus > 0 && requirements.Vcpus > host.Cpus)
                continue;
            if (best is null || free > bestFree || (free == bestFree && host.RunningVms < best.RunningVms))
            {
                best = host;
                bestFree = free;
            }
        }

        if (best is not null)
            return new PlacementDecision(best, null);
        return new PlacementDecision(null, considered == 0
            ? "no admitted host is online"
            : $"no online host has {requirements.MemoryMiB} MiB and {requirements.Vcpus} vCPUs free ({considered} considered)");
    }
}
