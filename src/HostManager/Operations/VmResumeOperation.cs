using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.resume</c>: Resumes a paused VM.</summary>
public sealed class VmResumeOperation(HypervisorConnection hypervisor, ILogger<VmResumeOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.resume";

    public override string Description => "Resumes a paused VM.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override ErrorCode InvalidStateCode => ErrorCode.InvalidVmState;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var result = await WithDomainAsync(name, domain =>
        {
            var state = domain.GetState();
            if (!state.IsActive())
                return OperationResult.Fail(ErrorCode.VmNotRunning, $"VM '{name}' is not running ({state.ToWireName()})");
            if (state != DomainState.Paused)
                return OperationResult.Fail(ErrorCode.VmAlreadyRunning, $"VM '{name}' is {state.ToWireName()}, not paused");
            domain.Resume();
            return OperationResult.Ok(VmJson.State(name, domain.GetState()));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, "resumed");
        return result;
    }
}
