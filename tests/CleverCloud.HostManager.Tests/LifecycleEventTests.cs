using System.Text.Json;
using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.HostManager.Monitoring;
using CleverCloud.HostManager.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CleverCloud.HostManager.Tests;

public sealed class LifecycleEventTests
{
    /// <summary>Generous bound so a wedged event loop fails the test instead of hanging CI; not a timing assertion.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Operations_produce_lifecycle_events_on_the_channel()
    {
        using var host = new TestHost();
        var monitor = host.Services.GetRequiredService<LifecycleEventMonitor>();
        await monitor.EnsureSubscribedAsync(CancellationToken.None);

        await host.SucceedAsync("vm.start", new JsonObject { ["name"] = "beta" });
        await host.SucceedAsync("vm.suspend", new JsonObject { ["name"] = "beta" });
        await host.SucceedAsync("vm.destroy", new JsonObject { ["name"] = "beta" });

        var seen = await ReadUntilAsync(monitor, "beta", DomainLifecycleEventType.Stopped);
        var kinds = seen.Where(e => e.Name == "beta").Select(e => e.Event).ToList();
        Assert.That(kinds, Is.EqualTo(new[] { DomainLifecycleEventType.Started, DomainLifecycleEventType.Suspended, DomainLifecycleEventType.Stopped }));
        var started = seen.First(e => e.Name == "beta");
        Assert.That(started.Uuid, Is.EqualTo("11111111-2222-3333-4444-000000000002"));
        Assert.That(started.EventName, Is.EqualTo("started"));

        var json = JsonSerializer.Serialize(started, MonitoringJsonContext.Default.VmLifecycleEvent);
        Assert.That(json, Does.Contain("\"name\":\"beta\"").And.Contain("\"eventName\":\"started\""));
    }

    internal static async Task<List<VmLifecycleEvent>> ReadUntilAsync(LifecycleEventMonitor monitor, string name, DomainLifecycleEventType last)
    {
        using var patience = new CancellationTokenSource(Patience);
        var seen = new List<VmLifecycleEvent>();
        await foreach (var lifecycleEvent in monitor.Events.ReadAllAsync(patience.Token))
        {
            seen.Add(lifecycleEvent);
            if (lifecycleEvent.Name == name && lifecycleEvent.Event == last)
                break;
        }
        return seen;
    }
}
