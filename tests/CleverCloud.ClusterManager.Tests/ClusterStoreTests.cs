using CleverCloud.ClusterManager.State;

namespace CleverCloud.ClusterManager.Tests;

public sealed class ClusterStoreTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("cm-store-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void State_survives_a_restart()
    {
        var path = Path.Combine(_dir, "cluster.db");
        using (var store = new ClusterStore(path))
        {
            Assert.That(store.AdmitHost("hm1@clever.test", federated: false), Is.True);
            Assert.That(store.RecordVm(new VmRecord("web1", "hm1@clever.test", 2, 512, "debian", "running")), Is.True);
            Assert.That(store.RegisterImage(new ImageRecord("debian", "debian-12.qcow2", "qcow2", 1024, null, "base")), Is.True);
        }
        using var reopened = new ClusterStore(path);
        Assert.Multiple(() =>
        {
            Assert.That(reopened.IsAdmitted("hm1@clever.test"), Is.True);
            Assert.That(reopened.FindVm("web1")!.HostJid, Is.EqualTo("hm1@clever.test"));
            Assert.That(reopened.FindImage("debian")!.Path, Is.EqualTo("debian-12.qcow2"));
        });
    }

    [Test]
    public void Duplicates_are_refused_and_the_original_is_kept()
    {
        using var store = new ClusterStore(Path.Combine(_dir, "cluster.db"));
        store.RecordVm(new VmRecord("web1", "hm1@clever.test", 2, 512, null, "running"));
        Assert.That(store.RecordVm(new VmRecord("web1", "hm2@clever.test", 1, 128, null, "running")), Is.False);
        Assert.That(store.FindVm("web1")!.HostJid, Is.EqualTo("hm1@clever.test"));
        Assert.That(store.AdmitHost("hm1@clever.test", false), Is.True);
        Assert.That(store.AdmitHost("hm1@clever.test", true), Is.False);
        Assert.That(store.AdmittedHosts().Single().Federated, Is.False);
    }

    [Test]
    public void A_removed_host_stays_excluded_until_admitted_again_and_the_exclusion_survives_a_restart()
    {
        var path = Path.Combine(_dir, "cluster.db");
        using (var store = new ClusterStore(path))
        {
            store.AdmitHost("hm1@clever.test", false);
            Assert.That(store.RemoveHost("hm1@clever.test", "certificate Revoked"), Is.True);
            Assert.That(store.RemoveHost("hm9@clever.test", "removed by admin@clever.test"), Is.False, "never admitted");
        }
        using var reopened = new ClusterStore(path);
        Assert.Multiple(() =>
        {
            Assert.That(reopened.IsAdmitted("hm1@clever.test"), Is.False);
            Assert.That(reopened.ExclusionOf("hm1@clever.test"), Does.StartWith("certificate Revoked ("));
            Assert.That(reopened.ExclusionOf("hm9@clever.test"), Does.StartWith("removed by admin@clever.test"));
            Assert.That(reopened.ExclusionOf("hm2@clever.test"), Is.Null);
        });
        Assert.That(reopened.AdmitHost("hm1@clever.test", false), Is.True);
        Assert.That(reopened.ExclusionOf("hm1@clever.test"), Is.Null, "an explicit admission lifts the exclusion");
    }

    [Test]
    public void Hostile_names_are_stored_literally()
    {
        using var store = new ClusterStore(Path.Combine(_dir, "cluster.db"));
        var name = "x'); DROP TABLE vms; --";
        store.RecordVm(new VmRecord(name, "hm1@clever.test", 1, 64, null, "defined"));
        Assert.That(store.Vms().Single().Name, Is.EqualTo(name));
    }

    [Test]
    public void Removing_and_updating()
    {
        using var store = new ClusterStore(Path.Combine(_dir, "cluster.db"));
        store.RecordVm(new VmRecord("a", "hm1@clever.test", 1, 64, null, "defined"));
        Assert.That(store.UpdateVmState("a", "running"), Is.True);
        Assert.That(store.FindVm("a")!.State, Is.EqualTo("running"));
        Assert.That(store.UpdateVmState("missing", "running"), Is.False);
        Assert.That(store.RemoveVm("a"), Is.True);
        Assert.That(store.RemoveVm("a"), Is.False);
        Assert.That(store.Vms(), Is.Empty);
    }
}
