using CleverCloud.HostManager.Libvirt;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.snapshot.delete</c>: Deletes one of a VM's snapshots.</summary>
public sealed class VmSnapshotDeleteOperation(HypervisorConnection hypervisor, ILogger<VmSnapshotDeleteOperation> logger)
    : VmSnapshotActionOperation(hypervisor, logger)
{
    public override string Name => "vm.snapshot.delete";

    public override string Description => "Deletes one of a VM's snapshots.";

    protected override string Outcome(string snapshotName) => $"deleted snapshot '{snapshotName}'";

    protected override void Apply(LibvirtSnapshot snapshot) => snapshot.Delete();
}
