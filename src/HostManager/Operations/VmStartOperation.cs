using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.start</c>: Starts a defined, stopped VM.</summary>
public sealed class VmStartOperation(HypervisorConnection hypervisor, ILogger<VmStartOperation> logger) : VmStateChangeOperation(hypervisor, logger)
{
    public override string Name => "vm.start";

    public override string Description => "Starts a defined, stopped VM.";

    protected override ErrorCode InvalidStateCode => ErrorCode.VmAlreadyRunning;

    protected override string Outcome => "started";

    protected override OperationResult? RefuseFrom(string name, DomainState state) =>
        state.IsActive() ? OperationResult.Fail(ErrorCode.VmAlreadyRunning, $"VM '{name}' is already {state.ToWireName()}") : null;

    protected override void Apply(LibvirtDomain domain) => domain.Create();
}
