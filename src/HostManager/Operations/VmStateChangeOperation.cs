using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// An operation that changes one VM's state with a single libvirt call (start, destroy, suspend, resume, reboot):
/// the VM's name as its only parameter, a check of the current state before the call, and the new state as the result.
/// </summary>
public abstract class VmStateChangeOperation(HypervisorConnection hypervisor, ILogger logger) : LibvirtOperation(hypervisor, logger)
{
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    /// <summary>What happened, for the log line ("started").</summary>
    protected abstract string Outcome { get; }

    /// <summary>Why VM <paramref name="name"/> cannot make this change from <paramref name="state"/>; null when it can.</summary>
    protected abstract OperationResult? RefuseFrom(string name, DomainState state);

    /// <summary>The libvirt call itself.</summary>
    protected abstract void Apply(LibvirtDomain domain);

    protected sealed override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var result = await WithDomainAsync(name, domain =>
        {
            if (RefuseFrom(name, domain.GetState()) is { } refusal)
                return refusal;
            Apply(domain);
            return OperationResult.Ok(VmJson.State(name, domain.GetState()));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, Outcome);
        return result;
    }

    /// <summary>The refusal for a VM that is not running (shut off, crashed, …).</summary>
    protected static OperationResult? RefuseUnlessActive(string name, DomainState state) =>
        state.IsActive() ? null : OperationResult.Fail(ErrorCode.VmNotRunning, $"VM '{name}' is not running ({state.ToWireName()})");
}
