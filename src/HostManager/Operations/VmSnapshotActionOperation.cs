using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// An operation on one named snapshot of a VM with a single libvirt call (revert, delete): the VM and snapshot names as
/// parameters, the snapshot looked up (a missing one is error 408), and the VM's state afterwards as the result.
/// </summary>
public abstract class VmSnapshotActionOperation(HypervisorConnection hypervisor, ILogger logger) : LibvirtOperation(hypervisor, logger)
{
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter, SnapshotParameters.Snapshot];

    /// <summary>What happened to the snapshot, for the log line.</summary>
    protected abstract string Outcome(string snapshotName);

    /// <summary>The libvirt call itself.</summary>
    protected abstract void Apply(LibvirtSnapshot snapshot);

    protected sealed override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure) || !SnapshotParameters.TryGet(arguments, out var snapshotName, out failure))
            return failure;
        var result = await WithDomainAsync(name, domain =>
        {
            using var snapshot = domain.LookupSnapshot(snapshotName);
            Apply(snapshot);
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["snapshot"] = snapshotName, ["state"] = domain.GetState().ToWireName() });
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, Outcome(snapshotName));
        return result;
    }
}
