using System.Text.Json.Nodes;
using CleverCloud.ClusterManager.Scheduling;
using CleverCloud.ClusterManager.State;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Options;

namespace CleverCloud.ClusterManager.Operations;

/// <summary>Base for the CM's operations: they are always available; the CM runs them from its own state.</summary>
public abstract class ClusterOperation : IOperation
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public virtual IReadOnlyList<ParameterDescriptor> Parameters => [];
    public OperationAvailability CheckAvailability() => OperationAvailability.Available;
    public abstract Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken);

    protected static ParameterDescriptor Jid(string name, string description) =>
        new(name, ParameterType.String, Required: true, description, MaxLength: 3071);

    protected static string BareJid(string address)
    {
        var slash = address.IndexOf('/', StringComparison.Ordinal);
        return (slash < 0 ? address : address[..slash]).ToLowerInvariant();
    }

    protected static string Domain(string bareJid)
    {
        var at = bareJid.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? bareJid : bareJid[(at + 1)..];
    }
}

/// <summary>
/// <c>cluster.join</c>: a host manager asks to be admitted. Hosts of the configured domains are admitted and made room
/// members; others wait for an administrator's <c>host.admit</c>.
/// </summary>
public sealed class ClusterJoinOperation(ClusterStore store, IRoomAdministration room, IOptions<ClusterManagerOptions> options) : ClusterOperation
{
    public override string Name => "cluster.join";
    public override string Description => "A host manager asks to join the cluster room.";

    public override async Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var jid = BareJid(context.Sender);
        if (context.SenderRole is not null && context.SenderRole != "hm")
            return OperationResult.Fail(ErrorCode.WrongRole, $"only host managers join the cluster; {jid} holds role {context.SenderRole}");

        var admitted = store.IsAdmitted(jid);
        if (!admitted)
        {
            if (store.ExclusionOf(jid) is { } exclusion)
                return OperationResult.Fail(ErrorCode.NotAuthorized, $"{jid} was removed from this cluster: {exclusion}; an administrator must run 'host admit {jid}'");
            if (!options.Value.AutoAdmitDomains.Contains(Domain(jid), StringComparer.OrdinalIgnoreCase))
                return OperationResult.Fail(ErrorCode.NotAuthorized, $"{jid} is not admitted to this cluster; an administrator must run 'host admit {jid}'");
            // Membership first: if the room refuses, the store must not claim the host was admitted.
            await room.GrantMembershipAsync(jid, "admitted host manager", cancellationToken).ConfigureAwait(false);
            store.AdmitHost(jid, federated: false);
        }
        else
        {
            // Re-grant: idempotent, and repairs a room whose affiliation list was lost.
            await room.GrantMembershipAsync(jid, "admitted host manager", cancellationToken).ConfigureAwait(false);
        }
        return OperationResult.Ok(new JsonObject { ["room"] = room.RoomJid, ["admitted"] = true });
    }
}

public sealed class HostAdmitOperation(ClusterStore store, IRoomAdministration room) : ClusterOperation
{
    public override string Name => "host.admit";
    public override string Description => "Admit a host manager (of this or a federated domain) and invite it to the room.";
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        Jid("jid", "The host manager's bare XMPP address"),
        new("federated", ParameterType.Boolean, Required: false, "The host is rented from another domain"),
    ];

    public override async Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var jid = BareJid(Arguments.GetString(arguments, "jid"));
        if (!jid.Contains('@', StringComparison.Ordinal))
            return OperationResult.Fail(ErrorCode.InvalidArguments, $"'{jid}' is not a bare JID of the form host@domain");
        var federated = Arguments.GetOptionalBoolean(arguments, "federated") ?? false;
        await room.GrantMembershipAsync(jid, "admitted by " + context.Sender, cancellationToken).ConfigureAwait(false);
        var added = store.AdmitHost(jid, federated);
        await room.InviteAsync(jid, "You are admitted to the CleverCloud cluster room", cancellationToken).ConfigureAwait(false);
        return OperationResult.Ok(new JsonObject { ["jid"] = jid, ["newlyAdmitted"] = added, ["room"] = room.RoomJid });
    }
}

public sealed class HostRemoveOperation(ClusterStore store, LiveHosts live, IRoomAdministration room) : ClusterOperation
{
    public override string Name => "host.remove";
    public override string Description => "Remove a host manager from the cluster: membership revoked, occupant kicked.";
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [Jid("jid", "The host manager's bare XMPP address")];

    public override async Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var jid = BareJid(Arguments.GetString(arguments, "jid"));
        if (!store.IsAdmitted(jid))
            return OperationResult.Fail(ErrorCode.NoSuchHost, $"{jid} is not an admitted host");
        await room.RevokeMembershipAsync(jid, "removed by " + context.Sender, cancellationToken).ConfigureAwait(false);
        store.RemoveHost(jid, "removed by " + context.Sender);
        live.Forget(jid);
        return OperationResult.Ok(new JsonObject { ["jid"] = jid, ["removed"] = true });
    }
}

public sealed class ClusterHostsOperation(ClusterStore store, LiveHosts live) : ClusterOperation
{
    public override string Name => "cluster.hosts";
    public override string Description => "List admitted hosts with liveness and load.";

    public override Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var hosts = new JsonArray();
        foreach (var admitted in store.AdmittedHosts())
        {
            var view = live.Find(admitted.Jid);
            hosts.Add(new JsonObject
            {
                ["jid"] = admitted.Jid,
                ["federated"] = admitted.Federated,
                ["online"] = view?.Online ?? false,
                ["lastSeen"] = view?.LastSeen.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["cpus"] = view?.Cpus,
                ["memoryTotalMiB"] = view?.MemoryTotalMiB,
                ["memoryFreeMiB"] = view?.MemoryFreeMiB,
                ["cpuPercent"] = view?.CpuLoadPercent,
                ["vms"] = store.VmsOn(admitted.Jid).Count,
            });
        }
        return Task.FromResult(OperationResult.Ok(new JsonObject { ["hosts"] = hosts }));
    }
}

public sealed class ClusterVmsOperation(ClusterStore store) : ClusterOperation
{
    public override string Name => "cluster.vms";
    public override string Description => "List the VMs the cluster placed, with their host and last known state.";

    public override Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var vms = new JsonArray();
        foreach (var vm in store.Vms())
            vms.Add(VmJson(vm));
        return Task.FromResult(OperationResult.Ok(new JsonObject { ["vms"] = vms }));
    }

    internal static JsonObject VmJson(VmRecord vm) => new()
    {
        ["name"] = vm.Name,
        ["host"] = vm.HostJid,
        ["vcpus"] = vm.Vcpus,
        ["memoryMiB"] = vm.MemoryMiB,
        ["image"] = vm.Image,
        ["state"] = vm.State,
    };
}

/// <summary><c>host.exec</c>: forwards any operation to one host and returns the host's reply unchanged.</summary>
public sealed class HostExecOperation(ClusterStore store, IHostCommandSender hosts) : ClusterOperation
{
    public override string Name => "host.exec";
    public override string Description => "Run an operation on one host and return its reply.";
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        Jid("host", "The host manager's bare XMPP address"),
        new("operation", ParameterType.String, Required: true, "Operation name, e.g. vm.list", MaxLength: 128),
        new("arguments", ParameterType.Object, Required: false, "The operation's arguments"),
    ];

    public override Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var host = BareJid(Arguments.GetString(arguments, "host"));
        if (!store.IsAdmitted(host))
            return Task.FromResult(OperationResult.Fail(ErrorCode.NoSuchHost, $"{host} is not an admitted host"));
        var operation = Arguments.GetString(arguments, "operation");
        var forwarded = arguments["arguments"]?.DeepClone() as JsonObject;
        return hosts.SendAsync(host, operation, forwarded, cancellationToken);
    }
}
