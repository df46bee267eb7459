using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using CleverCloud.ClusterManager.Scheduling;
using CleverCloud.ClusterManager.State;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Options;

namespace CleverCloud.ClusterManager.Operations;

/// <summary>
/// <c>vm.create</c>: places a VM on a host (paper: the CM "places VMs"), defines it there with <c>vm.define</c>,
/// optionally starts it, and records it. Any failure after the define undoes it on the host, so the cluster never
/// holds a half-created VM.
/// </summary>
public sealed class VmCreateOperation(
    ClusterStore store,
    LiveHosts live,
    IHostCommandSender hosts,
    IOptions<ClusterManagerOptions> options) : ClusterOperation
{
    // Memory promised to VMs placed since their host last reported, so concurrent creations spread out.
    private static readonly ConcurrentDictionary<string, long> Promised = new(StringComparer.OrdinalIgnoreCase);
    private static readonly SemaphoreSlim PlacementGate = new(1, 1);

    public override string Name => "vm.create";
    public override string Description => "Place, define and (optionally) start a VM on the best host.";
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        new("name", ParameterType.String, Required: true, "VM name", MaxLength: 64),
        new("vcpus", ParameterType.Integer, Required: true, "Virtual CPUs", Minimum: 1, Maximum: 256),
        new("memoryMiB", ParameterType.Integer, Required: true, "Memory in MiB", Minimum: 16, Maximum: 4 * 1024 * 1024),
        new("image", ParameterType.String, Required: false, "Registered image name for the disk", MaxLength: 128),
        new("network", ParameterType.String, Required: false, "libvirt network name", MaxLength: 64),
        new("host", ParameterType.String, Required: false, "Place on this host instead of choosing", MaxLength: 3071),
        new("start", ParameterType.Boolean, Required: false, "Start after defining (default true)"),
    ];

    public override async Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var name = Arguments.GetString(arguments, "name");
        var vcpus = (int)Arguments.GetInt64(arguments, "vcpus");
        var memory = Arguments.GetInt64(arguments, "memoryMiB");
        var start = Arguments.GetOptionalBoolean(arguments, "start") ?? true;

        if (store.FindVm(name) is { } existing)
            return OperationResult.Fail(ErrorCode.VmExists, $"a VM named '{name}' already exists on {existing.HostJid}");

        ImageRecord? image = null;
        if (Arguments.GetOptionalString(arguments, "image") is { } imageName)
        {
            image = store.FindImage(imageName);
            if (image is null)
                return OperationResult.Fail(ErrorCode.NoSuchImage, $"no image named '{imageName}' is registered");
        }

        string hostJid;
        await PlacementGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Arguments.GetOptionalString(arguments, "host") is { } requested)
            {
                hostJid = BareJid(requested);
                if (!store.IsAdmitted(hostJid))
                    return OperationResult.Fail(ErrorCode.NoSuchHost, $"{hostJid} is not an admitted host");
                if (live.Find(hostJid) is not { Online: true })
                    return OperationResult.Fail(ErrorCode.HostOffline, $"{hostJid} is offline");
            }
            else
            {
                var decision = new PlacementPolicy(options.Value.HostReserveMiB)
                    .Choose(live.All, store.IsAdmitted, new VmRequirements(vcpus, memory), Promised);
                if (!decision.Placed)
                    return OperationResult.Fail(ErrorCode.NoCapacity, decision.Refusal!);
                hostJid = decision.Host!.Jid;
            }
            Promised.AddOrUpdate(hostJid, memory, (_, p) => p + memory);
        }
        finally
        {
            PlacementGate.Release();
        }

        try
        {
            var spec = new JsonObject { ["name"] = name, ["vcpus"] = vcpus, ["memoryMiB"] = memory };
            if (image is not null)
            {
                spec["disk"] = image.Path;
                if (image.Format is "raw" or "qcow2")
                    spec["diskFormat"] = image.Format;
            }
            if (Arguments.GetOptionalString(arguments, "network") is { } network)
                spec["network"] = network;

            var defined = await hosts.SendAsync(hostJid, "vm.define", spec, cancellationToken).ConfigureAwait(false);
            if (!defined.Success)
                return defined;

            var state = "defined";
            if (start)
            {
                var started = await hosts.SendAsync(hostJid, "vm.start", new JsonObject { ["name"] = name }, cancellationToken).ConfigureAwait(false);
                if (!started.Success)
                {
                    // Undo the define so that neither the host nor the CM keeps a VM nobody asked for.
                    await hosts.SendAsync(hostJid, "vm.undefine", new JsonObject { ["name"] = name }, CancellationToken.None).ConfigureAwait(false);
                    return started;
                }
                state = "running";
            }

            var record = new VmRecord(name, hostJid, vcpus, memory, image?.Name, state);
            store.RecordVm(record);
            return OperationResult.Ok(ClusterVmsOperation.VmJson(record));
        }
        finally
        {
            Promised.AddOrUpdate(hostJid, 0, (_, p) => Math.Max(0, p - memory));
        }
    }
}

/// <summary><c>vm.control</c>: a lifecycle action on a placed VM, routed to the host that holds it.</summary>
public sealed class VmControlOperation(ClusterStore store, IHostCommandSender hosts) : ClusterOperation
{
    private static readonly Dictionary<string, (string HostOperation, string? NewState)> Actions = new(StringComparer.Ordinal)
    {
        ["start"] = ("vm.start", "running"),
        ["shutdown"] = ("vm.shutdown", "shutoff"),
        ["destroy"] = ("vm.destroy", "shutoff"),
        ["reboot"] = ("vm.reboot", "running"),
        ["suspend"] = ("vm.suspend", "paused"),
        ["resume"] = ("vm.resume", "running"),
        ["info"] = ("vm.info", null),
        ["stats"] = ("vm.stats", null),
        ["console"] = ("vm.console", null),
    };

    public override string Name => "vm.control";
    public override string Description => "start, shutdown, destroy, reboot, suspend, resume, info, stats or console for a placed VM.";
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        new("name", ParameterType.String, Required: true, "VM name", MaxLength: 64),
        new("action", ParameterType.String, Required: true, "One of: " + string.Join(", ", Actions.Keys), MaxLength: 16),
    ];

    public override async Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var name = Arguments.GetString(arguments, "name");
        var action = Arguments.GetString(arguments, "action");
        if (!Actions.TryGetValue(action, out var mapping))
            return OperationResult.Fail(ErrorCode.InvalidArguments, $"unknown action '{action}'; expected one of {string.Join(", ", Actions.Keys)}");
        var vm = store.FindVm(name);
        if (vm is null)
            return OperationResult.Fail(ErrorCode.NoSuchVm, $"the cluster has no VM named '{name}'");

        var result = await hosts.SendAsync(vm.HostJid, mapping.HostOperation, new JsonObject { ["name"] = name }, cancellationToken).ConfigureAwait(false);
        if (result.Success && mapping.NewState is not null)
            store.UpdateVmState(name, mapping.NewState);
        return result;
    }
}

/// <summary><c>vm.delete</c>: stops (if running) and undefines a VM on its host, then forgets it.</summary>
public sealed class VmDeleteOperation(ClusterStore store, IHostCommandSender hosts) : ClusterOperation
{
    public override string Name => "vm.delete";
    public override string Description => "Destroy and undefine a placed VM.";
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
        [new("name", ParameterType.String, Required: true, "VM name", MaxLength: 64)];

    public override async Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var name = Arguments.GetString(arguments, "name");
        var vm = store.FindVm(name);
        if (vm is null)
            return OperationResult.Fail(ErrorCode.NoSuchVm, $"the cluster has no VM named '{name}'");

        var destroyed = await hosts.SendAsync(vm.HostJid, "vm.destroy", new JsonObject { ["name"] = name }, cancellationToken).ConfigureAwait(false);
        if (!destroyed.Success && destroyed.Code is not (ErrorCode.VmNotRunning or ErrorCode.NoSuchVm))
            return destroyed;
        var undefined = await hosts.SendAsync(vm.HostJid, "vm.undefine", new JsonObject { ["name"] = name }, cancellationToken).ConfigureAwait(false);
        if (!undefined.Success && undefined.Code != ErrorCode.NoSuchVm)
            return undefined;
        store.RemoveVm(name);
        return OperationResult.Ok(new JsonObject { ["name"] = name, ["deleted"] = true, ["host"] = vm.HostJid });
    }
}
