using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.undefine</c>: removes a stopped VM's definition with its snapshot metadata (disk images stay).</summary>
public sealed class VmUndefineOperation(HypervisorConnection hypervisor, ILogger<VmUndefineOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.undefine";

    public override string Description => "Removes a stopped VM's definition and snapshot metadata; disk images are kept.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var result = await WithDomainAsync(name, domain =>
        {
            var state = domain.GetState();
            if (state.IsActive())
                return OperationResult.Fail(ErrorCode.InvalidVmState, $"VM '{name}' is {state.ToWireName()}: stop it before undefining it");
            domain.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata);
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["undefined"] = true });
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, "undefined");
        return result;
    }
}
