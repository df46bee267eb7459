using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.reboot</c>: Asks a running VM to reboot.</summary>
public sealed class VmRebootOperation(HypervisorConnection hypervisor, ILogger<VmRebootOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.reboot";

    public override string Description => "Asks a running VM to reboot.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override ErrorCode InvalidStateCode => ErrorCode.VmNotRunning;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var result = await WithDomainAsync(name, domain =>
        {
            var state = domain.GetState();
            if (!state.IsActive())
                return OperationResult.Fail(ErrorCode.VmNotRunning, $"VM '{name}' is not running ({state.ToWireName()})");
            if (state != DomainState.Running)
                return OperationResult.Fail(ErrorCode.InvalidVmState, $"VM '{name}' is {state.ToWireName()}, not running");
            domain.Reboot();
            return OperationResult.Ok(VmJson.State(name, domain.GetState()));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, "rebooted");
        return result;
    }
}
