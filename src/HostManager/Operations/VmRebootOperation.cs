using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.reboot</c>: Asks a running VM to reboot.</summary>
public sealed class VmRebootOperation(HypervisorConnection hypervisor, ILogger<VmRebootOperation> logger) : VmStateChangeOperation(hypervisor, logger)
{
    public override string Name => "vm.reboot";

    public override string Description => "Asks a running VM to reboot.";

    protected override ErrorCode InvalidStateCode => ErrorCode.VmNotRunning;

    protected override string Outcome => "rebooted";

    protected override OperationResult? RefuseFrom(string name, DomainState state) =>
        RefuseUnlessActive(name, state)
        ?? (state == DomainState.Running ? null : OperationResult.Fail(ErrorCode.InvalidVmState, $"VM '{name}' is {state.ToWireName()}, not running"));

    protected override void Apply(LibvirtDomain domain) => domain.Reboot();
}
