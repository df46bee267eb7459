using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.snapshot.revert</c>: Returns a VM to the state recorded in one of its snapshots.</summary>
public sealed class VmSnapshotRevertOperation(HypervisorConnection hypervisor, ILogger<VmSnapshotRevertOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.snapshot.revert";

    public override string Description => "Returns a VM to the state recorded in one of its snapshots.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter, SnapshotParameters.Snapshot];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure) || !SnapshotParameters.TryGet(arguments, out var snapshotName, out failure))
            return failure;
        var result = await WithDomainAsync(name, domain =>
        {
            using var snapshot = domain.LookupSnapshot(snapshotName);
            snapshot.Revert();
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["snapshot"] = snapshotName, ["state"] = domain.GetState().ToWireName() });
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, $"reverted to '{snapshotName}'");
        return result;
    }
}
