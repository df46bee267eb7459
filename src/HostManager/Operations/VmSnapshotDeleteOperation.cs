using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.snapshot.delete</c>: Deletes one of a VM's snapshots.</summary>
public sealed class VmSnapshotDeleteOperation(HypervisorConnection hypervisor, ILogger<VmSnapshotDeleteOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.snapshot.delete";

    public override string Description => "Deletes one of a VM's snapshots.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter, SnapshotParameters.Snapshot];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure) || !SnapshotParameters.TryGet(arguments, out var snapshotName, out failure))
            return failure;
        var result = await WithDomainAsync(name, domain =>
        {
            using var snapshot = domain.LookupSnapshot(snapshotName);
            snapshot.Delete();
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["snapshot"] = snapshotName, ["state"] = domain.GetState().ToWireName() });
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, $"deleted snapshot '{snapshotName}'");
        return result;
    }
}
