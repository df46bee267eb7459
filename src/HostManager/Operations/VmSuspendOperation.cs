using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.suspend</c>: Pauses a running VM (its memory stays allocated).</summary>
public sealed class VmSuspendOperation(HypervisorConnection hypervisor, ILogger<VmSuspendOperation> logger) : VmStateChangeOperation(hypervisor, logger)
{
    public override string Name => "vm.suspend";

    public override string Description => "Pauses a running VM (its memory stays allocated).";

    protected override ErrorCode InvalidStateCode => ErrorCode.VmNotRunning;

    protected override string Outcome => "suspended";

    protected override OperationResult? RefuseFrom(string name, DomainState state) =>
        RefuseUnlessActive(name, state)
        ?? (state == DomainState.Paused ? OperationResult.Fail(ErrorCode.InvalidVmState, $"VM '{name}' is already paused") : null);

    protected override void Apply(LibvirtDomain domain) => domain.Suspend();
}
