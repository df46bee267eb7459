using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.restore</c>: restarts a VM from the state file vm.save wrote, then removes the file.</summary>
public sealed class VmRestoreOperation(HypervisorConnection hypervisor, VmStateFiles stateFiles, ILogger<VmRestoreOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.restore";

    public override string Description => "Restores a VM from the memory state saved by vm.save.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override ErrorCode InvalidStateCode => ErrorCode.VmAlreadyRunning;

    public override OperationAvailability CheckAvailability() => stateFiles.UnavailableReason is { } reason
        ? OperationAvailability.Unavailable(reason)
        : OperationAvailability.Available;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var stateFile = stateFiles.PathFor(name);
        if (!File.Exists(stateFile))
            return OperationResult.Fail(ErrorCode.InvalidVmState, $"VM '{name}' has no saved state");
        var result = await Hypervisor.RunAsync(connection =>
        {
            using (var domain = connection.TryLookupDomain(name))
            {
                if (domain is not null && domain.GetState().IsActive())
                    return OperationResult.Fail(ErrorCode.VmAlreadyRunning, $"VM '{name}' is already running");
            }
            connection.RestoreDomain(stateFile);
            File.Delete(stateFile);
            using var restored = connection.LookupDomain(name);
            return OperationResult.Ok(VmJson.State(name, restored.GetState()));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, "restored");
        return result;
    }
}
