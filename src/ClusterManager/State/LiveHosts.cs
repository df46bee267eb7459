using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleverCloud.ClusterManager.State;

/// <summary>
/// What the CM currently knows about each host's liveness and load: from room presence (joined/left) and from the
/// status each HM reports. Volatile by nature, so kept in memory; admission is what the store remembers.
/// </summary>
public sealed class LiveHosts
{
    private readonly ConcurrentDictionary<string, HostView> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;

    public LiveHosts(TimeProvider time) => _time = time;

    public event Action<HostView>? Changed;

    public IReadOnlyCollection<HostView> All => _hosts.Values.OrderBy(h => h.Jid, StringComparer.Ordinal).ToList();

    public HostView? Find(string jid) => _hosts.TryGetValue(jid, out var host) ? host : null;

    public void MarkOnline(string jid, string occupantAddress)
    {
        var view = _hosts.AddOrUpdate(jid,
            _ => new HostView(jid) { Online = true, Address = occupantAddress, LastSeen = _time.GetUtcNow() },
            (_, existing) => existing with { Online = true, Address = occupantAddress, LastSeen = _time.GetUtcNow() });
        Changed?.Invoke(view);
    }

    public void MarkOffline(string jid)
    {
        if (_hosts.TryGetValue(jid, out var existing))
        {
            var view = existing with { Online = false, LastSeen = _time.GetUtcNow() };
            _hosts[jid] = view;
            Changed?.Invoke(view);
        }
    }

    public void Forget(string jid) => _hosts.TryRemove(jid, out _);

    /// <summary>Merges a status report (the HM's <c>host.stats</c>-shaped JSON) into the host's view.</summary>
    public void ApplyStatus(string jid, JsonNode? status)
    {
        if (status is not JsonObject obj)
            return;
        var view = _hosts.AddOrUpdate(jid,
            _ => Merge(new HostView(jid), obj),
            (_, existing) => Merge(existing, obj));
        Changed?.Invoke(view);
    }

    /// <summary>Reads the HM's HostStatus JSON (camelCase; memory in KiB, a list of VMs with their states).</summary>
    private HostView Merge(HostView view, JsonObject status)
    {
        var running = status["vms"] is JsonArray vms
            ? vms.Count(vm => vm is JsonObject o && o["state"] is JsonValue s && s.GetValueKind() == JsonValueKind.String && s.GetValue<string>() == "running")
            : view.RunningVms;
        return view with
        {
            LastSeen = _time.GetUtcNow(),
            Cpus = ReadLong(status, "cpuCount") is { } cpus ? (int)cpus : view.Cpus,
            MemoryTotalMiB = ReadLong(status, "memoryTotalKiB") is { } total ? total / 1024 : view.MemoryTotalMiB,
            MemoryFreeMiB = ReadLong(status, "memoryAvailableKiB") is { } free ? free / 1024 : view.MemoryFreeMiB,
            CpuLoadPercent = ReadDouble(status, "cpuPercent") ?? view.CpuLoadPercent,
            RunningVms = running,
            Status = status.DeepClone().AsObject(),
        };
    }

    private static long? ReadLong(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && Protocol.Operations.Arguments.TryGetWholeNumber(value, out var number) ? number : null;

    private static double? ReadDouble(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var d) ? d
        : obj[name] is JsonValue v2 && v2.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number ? e.GetDouble()
        : null;
}

public sealed record HostView(string Jid)
{
    public bool Online { get; init; }
    public string? Address { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    public int Cpus { get; init; }
    public long MemoryTotalMiB { get; init; }
    public long MemoryFreeMiB { get; init; }
    public double CpuLoadPercent { get; init; }
    public int RunningVms { get; init; }
    public JsonObject? Status { get; init; }
}
