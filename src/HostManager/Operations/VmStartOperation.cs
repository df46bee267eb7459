using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.start</c>: Starts a defined, stopped VM.</summary>
public sealed class VmStartOperation(HypervisorConnection hypervisor, ILogger<VmStartOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.start";

    public override string Description => "Starts a defined, stopped VM.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override ErrorCode InvalidStateCode => ErrorCode.VmAlreadyRunning;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var result = await WithDomainAsync(name, domain =>
        {
            var state = domain.GetState();
            if (state.IsActive())
                return OperationResult.Fail(ErrorCode.VmAlreadyRunning, $"VM '{name}' is already {state.ToWireName()}");
            domain.Create();
            return OperationResult.Ok(VmJson.State(name, domain.GetState()));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, "started");
        return result;
    }
}
