using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.resume</c>: Resumes a paused VM.</summary>
public sealed class VmResumeOperation(HypervisorConnection hypervisor, ILogger<VmResumeOperation> logger) : VmStateChangeOperation(hypervisor, logger)
{
    public override string Name => "vm.resume";

    public override string Description => "Resumes a paused VM.";

    protected override ErrorCode InvalidStateCode => ErrorCode.InvalidVmState;

    protected override string Outcome => "resumed";

    protected override OperationResult? RefuseFrom(string name, DomainState state) =>
        RefuseUnlessActive(name, state)
        ?? (state == DomainState.Paused ? null : OperationResult.Fail(ErrorCode.VmAlreadyRunning, $"VM '{name}' is {state.ToWireName()}, not paused"));

    protected override void Apply(LibvirtDomain domain) => domain.Resume();
}
