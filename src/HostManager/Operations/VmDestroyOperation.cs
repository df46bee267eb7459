using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.destroy</c>: Stops a VM at once, like pulling the plug.</summary>
public sealed class VmDestroyOperation(HypervisorConnection hypervisor, ILogger<VmDestroyOperation> logger) : VmStateChangeOperation(hypervisor, logger)
{
    public override string Name => "vm.destroy";

    public override string Description => "Stops a VM at once, like pulling the plug.";

    protected override ErrorCode InvalidStateCode => ErrorCode.VmNotRunning;

    protected override string Outcome => "destroyed";

    protected override OperationResult? RefuseFrom(string name, DomainState state) => RefuseUnlessActive(name, state);

    protected override void Apply(LibvirtDomain domain) => domain.Destroy();
}
