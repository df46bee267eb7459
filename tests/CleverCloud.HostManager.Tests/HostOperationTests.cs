using System.Text.Json;
using System.Text.Json.Nodes;
using CleverCloud.HostManager.Monitoring;
using CleverCloud.HostManager.Tests.Support;
using CleverCloud.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace CleverCloud.HostManager.Tests;

public sealed class HostOperationTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost();

    [TearDown]
    public void TearDown() => _host.Dispose();

    [Test]
    public async Task Ping_answers_with_the_server_time()
    {
        var data = await _host.SucceedAsync("host.ping");
        Assert.That(data["pong"]!.GetValue<bool>(), Is.True);
        Assert.That(DateTimeOffset.TryParse(data["time"]!.GetValue<string>(), out _), Is.True);
    }

    [Test]
    public async Task Info_reports_versions_node_and_every_operation_with_availability()
    {
        var data = await _host.SucceedAsync("host.info");
        Assert.That(data["libvirtVersion"]!.GetValue<string>(), Does.Match(@"^\d+\.\d+\.\d+$"));
        var hypervisor = data["hypervisor"]!;
        Assert.That(hypervisor["connected"]!.GetValue<bool>(), Is.True);
        Assert.That(hypervisor["type"]!.GetValue<string>(), Is.EqualTo("TEST"));
        Assert.That(hypervisor["cpus"]!.GetValue<int>(), Is.EqualTo(8), "from the node fixture");
        Assert.That(hypervisor["memoryKiB"]!.GetValue<ulong>(), Is.EqualTo(8UL * 1024 * 1024));

        var operations = data["operations"]!.AsArray().ToDictionary(o => o!["name"]!.GetValue<string>(), o => o!);
        Assert.That(operations.Keys, Is.SupersetOf(new[]
        {
            "host.ping", "host.info", "host.stats", "vm.define", "vm.undefine", "vm.start", "vm.shutdown", "vm.destroy",
            "vm.reboot", "vm.suspend", "vm.resume", "vm.save", "vm.restore", "vm.list", "vm.info", "vm.stats", "vm.console",
            "vm.snapshot.create", "vm.snapshot.list", "vm.snapshot.revert", "vm.snapshot.delete", "vm.migrate",
        }));
        Assert.That(operations["vm.start"]["available"]!.GetValue<bool>(), Is.True);
        var vcpus = operations["vm.define"]["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "vcpus")!;
        Assert.That(vcpus["minimum"]!.GetValue<long>(), Is.EqualTo(1));
    }

    [Test]
    public async Task Save_and_restore_declare_themselves_unavailable_when_the_state_directory_is_unusable()
    {
        var blocker = Path.Combine(Path.GetTempPath(), "clever-hm-blocker-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(blocker, "a file where a directory should be");
        try
        {
            using var host = new TestHost(settings: new Dictionary<string, string?> { ["HostManager:StateDirectory"] = Path.Combine(blocker, "state") });
            var result = await host.DispatchAsync("vm.save", new JsonObject { ["name"] = "alpha" });
            Assert.That(result.Code, Is.EqualTo(ErrorCode.OperationUnavailable), result.ToString());
            Assert.That(result.Message, Does.Contain("state directory"));

            var info = await host.SucceedAsync("host.info");
            var save = info["operations"]!.AsArray().Single(o => o!["name"]!.GetValue<string>() == "vm.save")!;
            Assert.That(save["available"]!.GetValue<bool>(), Is.False);
            Assert.That(save["reason"]!.GetValue<string>(), Does.Contain("state directory"));
            Assert.That(await host.StateOfAsync("alpha"), Is.EqualTo("running"));
        }
        finally
        {
            File.Delete(blocker);
        }
    }

    [Test]
    public async Task Stats_report_host_metrics_vms_and_node_memory()
    {
        var data = await _host.SucceedAsync("host.stats");
        Assert.That(data["memoryTotalKiB"]!.GetValue<ulong>(), Is.GreaterThan(0UL));
        Assert.That(data["diskTotalBytes"]!.GetValue<ulong>(), Is.GreaterThan(0UL));
        Assert.That(data["cpuPercent"]!.GetValue<double>(), Is.InRange(0.0, 100.0));
        Assert.That(data["hypervisorConnected"]!.GetValue<bool>(), Is.True);
        Assert.That(data["vms"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()), Is.EqualTo(new[] { "alpha", "beta", "gamma" }));
        Assert.That(data["node"]!["cpus"]!.GetValue<int>(), Is.EqualTo(8));
    }

    [Test]
    public async Task Monitor_samples_raise_a_change_event_when_a_vm_changes_state()
    {
        var monitor = _host.Services.GetRequiredService<HostMonitor>();
        var changes = new List<HostStatus>();
        monitor.StatusChanged += (_, status) => changes.Add(status);

        var first = await monitor.SampleAsync(CancellationToken.None);
        Assert.That(first.Vms.Single(v => v.Name == "beta").State, Is.EqualTo("shutoff"));
        await _host.SucceedAsync("vm.start", new JsonObject { ["name"] = "beta" });
        var second = await monitor.SampleAsync(CancellationToken.None);

        Assert.That(second.Vms.Single(v => v.Name == "beta").State, Is.EqualTo("running"));
        Assert.That(changes, Has.Count.EqualTo(2));
        Assert.That(changes[^1], Is.SameAs(second));
        Assert.That(monitor.Latest, Is.SameAs(second));

        var json = JsonSerializer.Serialize(second, MonitoringJsonContext.Default.HostStatus);
        var roundTrip = JsonSerializer.Deserialize(json, MonitoringJsonContext.Default.HostStatus)!;
        Assert.That(roundTrip.Vms, Is.EqualTo(second.Vms));
        Assert.That(json, Does.Contain("\"hypervisorConnected\":true"));
    }

    [Test]
    public async Task Monitor_does_not_announce_an_unchanged_host()
    {
        var monitor = _host.Services.GetRequiredService<HostMonitor>();
        var first = await monitor.SampleAsync(CancellationToken.None);
        var unchanged = first with { SampledAt = first.SampledAt.AddSeconds(10), CpuPercent = first.CpuPercent + 1 };
        Assert.That(unchanged.IsMateriallyDifferentFrom(first), Is.False);
        var vmChanged = first with { Vms = [.. first.Vms.Select(v => v.Name == "beta" ? v with { State = "running" } : v)] };
        Assert.That(vmChanged.IsMateriallyDifferentFrom(first), Is.True);
        Assert.That((first with { HypervisorConnected = false }).IsMateriallyDifferentFrom(first), Is.True);
    }
}
