using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.suspend</c>: Pauses a running VM (its memory stays allocated).</summary>
public sealed class VmSuspendOperation(HypervisorConnection hypervisor, ILogger<VmSuspendOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.suspend";

    public override string Description => "Pauses a running VM (its memory stays allocated).";

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
            if (state == DomainState.Paused)
                return OperationResult.Fail(ErrorCode.InvalidVmState, $"VM '{name}' is already paused");
            domain.Suspend();
            return OperationResult.Ok(VmJson.State(name, domain.GetState()));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, "suspended");
        return result;
    }
}
