using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// <c>vm.shutdown</c>: asks the guest to shut down and waits for it to stop. If it has not stopped within the timeout
/// the VM is destroyed when <c>force</c> is true; otherwise the reply is ShutdownTimedOut and the VM keeps running.
/// </summary>
public sealed class VmShutdownOperation : LibvirtOperation
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly HostManagerOptions _options;
    private readonly TimeProvider _time;

    public VmShutdownOperation(HypervisorConnection hypervisor, IOptions<HostManagerOptions> options, ILogger<VmShutdownOperation> logger,
        TimeProvider? time = null) : base(hypervisor, logger)
    {
        _options = options.Value;
        _time = time ?? TimeProvider.System;
    }

    public override string Name => "vm.shutdown";

    public override string Description => "Shuts a VM down gracefully; with force, destroys it if it has not stopped within the timeout.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        VmNameParameter,
        new("timeoutSeconds", ParameterType.Integer, Required: false, "How long to wait for the guest (default from configuration)", Minimum: 1, Maximum: 3600),
        new("force", ParameterType.Boolean, Required: false, "Destroy the VM if it has not stopped in time (default false)"),
    ];

    protected override ErrorCode InvalidStateCode => ErrorCode.VmNotRunning;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var timeout = Arguments.GetOptionalInt64(arguments, "timeoutSeconds") is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : _options.DefaultShutdownTimeout;
        var force = Arguments.GetOptionalBoolean(arguments, "force") ?? false;

        var requested = await WithDomainAsync(name, domain =>
        {
            var state = domain.GetState();
            if (!state.IsActive())
                return OperationResult.Fail(ErrorCode.VmNotRunning, $"VM '{name}' is not running ({state.ToWireName()})");
            domain.Shutdown();
            return OperationResult.Ok();
        }, cancellationToken).ConfigureAwait(false);
        if (!requested.Success)
            return requested;

        if (await WaitUntilStoppedAsync(Hypervisor, name, timeout, _time, cancellationToken).ConfigureAwait(false))
        {
            Logger.VmChanged(context.RequestId, name, "shut down");
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["state"] = "shutoff", ["forced"] = false });
        }
        if (!force)
        {
            return OperationResult.Fail(ErrorCode.ShutdownTimedOut,
                $"VM '{name}' did not shut down within {timeout.TotalSeconds:0} s (it keeps running; repeat with force to destroy it)");
        }

        Logger.ShutdownForced(context.RequestId, name, timeout);
        var destroyed = await WithDomainAsync(name, domain =>
        {
            // The guest may have stopped between the last poll and now: destroying a stopped VM is an error.
            if (domain.GetState().IsActive())
                domain.Destroy();
            return VmJson.State(name, domain.GetState());
        }, cancellationToken).ConfigureAwait(false);
        destroyed["forced"] = true;
        return OperationResult.Ok(destroyed);
    }

    /// <summary>Polls the VM's state until it is no longer active or <paramref name="timeout"/> has elapsed.</summary>
    internal static async Task<bool> WaitUntilStoppedAsync(HypervisorConnection hypervisor, string name, TimeSpan timeout,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (true)
        {
            var state = await hypervisor.RunAsync(connection =>
            {
                using var domain = connection.LookupDomain(name);
                return domain.GetState();
            }, cancellationToken).ConfigureAwait(false);
            if (!state.IsActive())
                return true;
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
                return false;
            await Task.Delay(remaining < PollInterval ? remaining : PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
