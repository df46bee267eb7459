using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.HostManager.Monitoring;
using CleverCloud.HostManager.Tests.Support;
using CleverCloud.HostManager.Operations;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Tests;

/// <summary>
/// The hypervisor connection dies underneath the HM: the operation in flight gets HypervisorUnavailable, nothing
/// changes in libvirt, the next operation reconnects and works, and lifecycle events flow again.
/// These tests use <c>test:///default</c>, whose state lives as long as any connection in the process is open: the
/// test keeps its own observer connection, so the state survives the HM's reconnect and can be compared.
/// </summary>
[NonParallelizable]
public sealed class ConnectionLossTests
{
    private const string DefaultUri = "test:///default";
    private LibvirtConnection _observer = null!;
    private TestHost _host = null!;

    [SetUp]
    public void SetUp()
    {
        _observer = LibvirtConnection.Open(DefaultUri);
        _host = new TestHost(DefaultUri, services => services.AddOperation<StopAfterConnectionLossOperation>());
    }

    [TearDown]
    public void TearDown()
    {
        _host.Dispose();
        _observer.Dispose();
    }

    private List<string> ObservedDomains()
    {
        var domains = _observer.ListAllDomains();
        try
        {
            return domains.Select(d => $"{d.Name}:{d.GetState().ToWireName()}").OrderBy(s => s, StringComparer.Ordinal).ToList();
        }
        finally
        {
            foreach (var domain in domains)
                domain.Dispose();
        }
    }

    [Test]
    public async Task Lost_connection_gives_HypervisorUnavailable_then_the_next_operation_reconnects()
    {
        await _host.SucceedAsync("vm.list");
        var before = ObservedDomains();
        Assert.That(before, Does.Contain("test:running"));

        _host.Hypervisor.SimulateConnectionLoss();
        var failed = await _host.DispatchAsync("vm.destroy", new JsonObject { ["name"] = "test" });

        Assert.That(failed.Code, Is.EqualTo(ErrorCode.HypervisorUnavailable), failed.ToString());
        Assert.That(ObservedDomains(), Is.EqualTo(before), "nothing changed in libvirt");
        Assert.That(_host.Logs.Entries.Select(e => e.EventId), Does.Contain(5002), "the loss is logged");

        var ping = await _host.DispatchAsync("host.ping");
        Assert.That(ping.Success, Is.True, "the dispatcher keeps serving");

        var list = await _host.SucceedAsync("vm.list");
        Assert.That(list["vms"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()), Does.Contain("test"));
        Assert.That(_host.Hypervisor.IsConnected, Is.True);
    }

    [Test]
    public async Task Connection_lost_between_the_steps_of_an_operation_gives_HypervisorUnavailable()
    {
        var before = ObservedDomains();

        var failed = await _host.DispatchAsync("test.stop-after-loss", new JsonObject { ["name"] = "test" });

        Assert.That(failed.Code, Is.EqualTo(ErrorCode.HypervisorUnavailable), failed.ToString());
        Assert.That(ObservedDomains(), Is.EqualTo(before), "the second step never reached libvirt");
        var list = await _host.SucceedAsync("vm.list");
        Assert.That(list["vms"]!.AsArray().Select(v => $"{v!["name"]}:{v["state"]}"), Does.Contain("test:running"));
    }

    [Test]
    public async Task Lifecycle_events_resume_after_a_reconnect()
    {
        var monitor = _host.Services.GetRequiredService<LifecycleEventMonitor>();
        await monitor.EnsureSubscribedAsync(CancellationToken.None);

        _host.Hypervisor.SimulateConnectionLoss();
        var failed = await _host.DispatchAsync("vm.list");
        Assert.That(failed.Code, Is.EqualTo(ErrorCode.HypervisorUnavailable), failed.ToString());

        await _host.SucceedAsync("vm.define", new JsonObject { ["name"] = "evt-after-reconnect", ["vcpus"] = 1, ["memoryMiB"] = 64 });
        try
        {
            await _host.SucceedAsync("vm.start", new JsonObject { ["name"] = "evt-after-reconnect" });
            var seen = await LifecycleEventTests.ReadUntilAsync(monitor, "evt-after-reconnect", DomainLifecycleEventType.Started);
            Assert.That(seen.Select(e => e.Event), Is.SupersetOf(new[] { DomainLifecycleEventType.Defined, DomainLifecycleEventType.Started }));
        }
        finally
        {
            await _host.DispatchAsync("vm.destroy", new JsonObject { ["name"] = "evt-after-reconnect" });
            await _host.SucceedAsync("vm.undefine", new JsonObject { ["name"] = "evt-after-reconnect" });
        }
    }

    [Test]
    public async Task Unreachable_hypervisor_backs_off_between_attempts_and_host_info_still_answers()
    {
        using var host = new TestHost("test:///nonexistent/dir/node.xml",
            settings: new Dictionary<string, string?> { ["HostManager:ReconnectInitialDelay"] = "00:10:00", ["HostManager:ReconnectMaxDelay"] = "00:20:00" });

        var first = await host.DispatchAsync("vm.list");
        Assert.That(first.Code, Is.EqualTo(ErrorCode.HypervisorUnavailable), first.ToString());
        Assert.That(host.Hypervisor.ReconnectDelay, Is.GreaterThan(TimeSpan.FromMinutes(5)), "a failed attempt schedules the next one later");

        var second = await host.DispatchAsync("vm.list");
        Assert.That(second.Code, Is.EqualTo(ErrorCode.HypervisorUnavailable));
        Assert.That(second.Message, Does.Contain("next reconnect attempt"), "within the back-off no new attempt is made");
        Assert.That(host.Logs.Entries.Count(e => e.EventId == 5001), Is.EqualTo(1), "one connection attempt so far");

        var info = await host.SucceedAsync("host.info");
        Assert.That(info["hypervisor"]!["connected"]!.GetValue<bool>(), Is.False);
    }
}

/// <summary>Reads a VM's state, loses the hypervisor connection, then tries to destroy the VM: a fault injected mid-operation.</summary>
public sealed class StopAfterConnectionLossOperation(HypervisorConnection hypervisor, ILogger<StopAfterConnectionLossOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "test.stop-after-loss";

    public override string Description => "Fault injection for tests.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var state = await WithDomainAsync(name, domain => domain.GetState(), cancellationToken);
        Hypervisor.SimulateConnectionLoss();
        await WithDomainAsync(name, domain =>
        {
            domain.Destroy();
            return true;
        }, cancellationToken);
        return OperationResult.Ok(new JsonObject { ["was"] = state.ToWireName() });
    }
}
