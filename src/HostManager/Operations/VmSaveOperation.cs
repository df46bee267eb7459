using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.save</c>: writes a running VM's memory to its state file in the state directory and stops it.</summary>
public sealed class VmSaveOperation(HypervisorConnection hypervisor, VmStateFiles stateFiles, ILogger<VmSaveOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.save";

    public override string Description => "Saves a running VM's memory state to the host's state directory and stops it.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override ErrorCode InvalidStateCode => ErrorCode.VmNotRunning;

    public override OperationAvailability CheckAvailability() => stateFiles.UnavailableReason is { } reason
        ? OperationAvailability.Unavailable(reason)
        : OperationAvailability.Available;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var stateFile = stateFiles.PathFor(name);
        var result = await WithDomainAsync(name, domain =>
        {
            var state = domain.GetState();
            if (!state.IsActive())
                return OperationResult.Fail(ErrorCode.VmNotRunning, $"VM '{name}' is not running ({state.ToWireName()})");
            // A previous save of this VM is superseded by the new one.
            File.Delete(stateFile);
            domain.Save(stateFile);
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["state"] = domain.GetState().ToWireName(), ["saved"] = true });
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, "saved");
        return result;
    }
}
