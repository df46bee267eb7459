using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.destroy</c>: Stops a VM at once, like pulling the plug.</summary>
public sealed class VmDestroyOperation(HypervisorConnection hypervisor, ILogger<VmDestroyOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.destroy";

    public override string Description => "Stops a VM at once, like pulling the plug.";

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
            domain.Destroy();
            return OperationResult.Ok(VmJson.State(name, domain.GetState()));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, "destroyed");
        return result;
    }
}
