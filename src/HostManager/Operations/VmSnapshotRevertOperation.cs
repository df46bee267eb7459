using CleverCloud.HostManager.Libvirt;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.snapshot.revert</c>: Returns a VM to the state recorded in one of its snapshots.</summary>
public sealed class VmSnapshotRevertOperation(HypervisorConnection hypervisor, ILogger<VmSnapshotRevertOperation> logger)
    : VmSnapshotActionOperation(hypervisor, logger)
{
    public override string Name => "vm.snapshot.revert";

    public override string Description => "Returns a VM to the state recorded in one of its snapshots.";

    protected override string Outcome(string snapshotName) => $"reverted to '{snapshotName}'";

    protected override void Apply(LibvirtSnapshot snapshot) => snapshot.Revert();
}
