using CleverCloud.ClusterManager.Scheduling;
using CleverCloud.ClusterManager.State;

namespace CleverCloud.ClusterManager.Tests;

public sealed class PlacementPolicyTests
{
    private static HostView Host(string jid, long freeMiB, int vms = 0, bool online = true, int cpus = 4) =>
        new(jid) { Online = online, MemoryFreeMiB = freeMiB, MemoryTotalMiB = 8192, RunningVms = vms, Cpus = cpus };

    [Test]
    public void Picks_the_host_with_most_free_memory()
    {
        var decision = new PlacementPolicy(0).Choose([Host("a", 1000), Host("b", 3000), Host("c", 2000)], _ => true, new VmRequirements(1, 512));
        Assert.That(decision.Host!.Jid, Is.EqualTo("b"));
    }

    [Test]
    public void Ties_go_to_the_host_with_fewer_vms()
    {
        var decision = new PlacementPolicy(0).Choose([Host("a", 2000, vms: 3), Host("b", 2000, vms: 1)], _ => true, new VmRequirements(1, 512));
        Assert.That(decision.Host!.Jid, Is.EqualTo("b"));
    }

    [Test]
    public void Offline_unadmitted_and_too_small_hosts_are_skipped()
    {
        var decision = new PlacementPolicy(256).Choose(
            [Host("offline", 9000, online: false), Host("stranger", 9000), Host("small", 600), Host("fewcpus", 9000, cpus: 1), Host("ok", 1000)],
            jid => jid != "stranger", new VmRequirements(2, 512));
        Assert.That(decision.Host!.Jid, Is.EqualTo("ok"));
    }

    [Test]
    public void Promised_memory_is_subtracted()
    {
        var promised = new Dictionary<string, long> { ["a"] = 2500 };
        var decision = new PlacementPolicy(0).Choose([Host("a", 3000), Host("b", 1000)], _ => true, new VmRequirements(1, 512), promised);
        Assert.That(decision.Host!.Jid, Is.EqualTo("b"));
    }

    [Test]
    public void No_capacity_is_refused_with_a_reason()
    {
        var none = new PlacementPolicy(0).Choose([], _ => true, new VmRequirements(1, 512));
        Assert.That(none.Placed, Is.False);
        Assert.That(none.Refusal, Does.Contain("no admitted host is online"));
        var full = new PlacementPolicy(0).Choose([Host("a", 100)], _ => true, new VmRequirements(1, 512));
        Assert.That(full.Refusal, Does.Contain("512 MiB"));
    }
}
