using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.snapshot.create</c>: takes a named snapshot of a VM.</summary>
public sealed class VmSnapshotCreateOperation(HypervisorConnection hypervisor, ILogger<VmSnapshotCreateOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.snapshot.create";

    public override string Description => "Takes a named snapshot of a VM.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        VmNameParameter,
        SnapshotParameters.Snapshot,
        new("description", ParameterType.String, Required: false, "Free text kept with the snapshot", MaxLength: 1024),
    ];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure) || !SnapshotParameters.TryGet(arguments, out var snapshotName, out failure))
            return failure;
        var xml = DomainXml.BuildSnapshot(snapshotName, Arguments.GetOptionalString(arguments, "description"));
        var result = await WithDomainAsync(name, domain =>
        {
            if (SnapshotNames(domain).Contains(snapshotName))
                return OperationResult.Fail(ErrorCode.InvalidArguments, $"VM '{name}' already has a snapshot named '{snapshotName}'");
            using var snapshot = domain.CreateSnapshot(xml);
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["snapshot"] = snapshot.Name, ["current"] = snapshot.IsCurrent() });
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, $"snapshot '{snapshotName}' created");
        return result;
    }

    private static HashSet<string> SnapshotNames(LibvirtDomain domain)
    {
        var snapshots = domain.ListSnapshots();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var snapshot in snapshots)
        {
            names.Add(snapshot.Name);
            snapshot.Dispose();
        }
        return names;
    }
}
