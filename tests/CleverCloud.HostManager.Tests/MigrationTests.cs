using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.HostManager.Tests.Support;
using CleverCloud.Protocol;

namespace CleverCloud.HostManager.Tests;

/// <summary>
/// vm.migrate between two libvirt connections of the test driver: the source is the HM's node file, the target is
/// <c>test:///default</c>, kept alive (and observed) by the test's own connection. The test driver has no live
/// migration, so these exercise cold migration and the refusal of live mode.
/// </summary>
[NonParallelizable]
public sealed class MigrationTests
{
    private const string TargetUri = "test:///default";
    private LibvirtConnection _target = null!;
    private TestHost _host = null!;
    private string _migrationDisks = null!;

    [SetUp]
    public void SetUp()
    {
        _target = LibvirtConnection.Open(TargetUri);
        _migrationDisks = TempDirectory.Create();
        _host = new TestHost(settings: new Dictionary<string, string?> { ["HostManager:MigrationDiskDirectory"] = _migrationDisks });
    }

    [TearDown]
    public void TearDown()
    {
        foreach (var name in new[] { "beta", "alpha", "mover" })
        {
            using var leftover = _target.TryLookupDomain(name);
            if (leftover is null)
                continue;
            if (leftover.GetState().IsActive())
                leftover.Destroy();
            leftover.Undefine(DomainUndefineFlags.SnapshotsMetadata);
        }
        _host.Dispose();
        _target.Dispose();
        TempDirectory.Delete(_migrationDisks);
    }

    [Test]
    public async Task Cold_migration_of_a_stopped_vm_defines_it_on_the_target_and_removes_it_here()
    {
        var data = await _host.SucceedAsync("vm.migrate", new JsonObject { ["name"] = "beta", ["targetUri"] = TargetUri });

        Assert.That(data["mode"]!.GetValue<string>(), Is.EqualTo("cold"));
        Assert.That(data["state"]!.GetValue<string>(), Is.EqualTo("shutoff"));
        using (var moved = _target.LookupDomain("beta"))
            Assert.That(moved.GetUuid(), Is.EqualTo("11111111-2222-3333-4444-000000000002"));
        var missing = await _host.DispatchAsync("vm.info", new JsonObject { ["name"] = "beta" });
        Assert.That(missing.Code, Is.EqualTo(ErrorCode.NoSuchVm));
    }

    [Test]
    public async Task Cold_migration_of_a_running_vm_restarts_it_on_the_target()
    {
        var data = await _host.SucceedAsync("vm.migrate", new JsonObject { ["name"] = "alpha", ["targetUri"] = TargetUri, ["mode"] = "auto" });

        Assert.That(data["mode"]!.GetValue<string>(), Is.EqualTo("cold"), "auto picks cold on the test driver");
        using var moved = _target.LookupDomain("alpha");
        Assert.That(moved.GetState(), Is.EqualTo(DomainState.Running));
    }

    [Test]
    public async Task Cold_migration_can_move_the_disks()
    {
        File.WriteAllText(Path.Combine(_host.ImageDirectory, "mover.img"), "disk bytes");
        await _host.SucceedAsync("vm.define", new JsonObject { ["name"] = "mover", ["vcpus"] = 1, ["memoryMiB"] = 64, ["disk"] = "mover.img" });

        var data = await _host.SucceedAsync("vm.migrate", new JsonObject { ["name"] = "mover", ["targetUri"] = TargetUri, ["moveDisks"] = true });

        var newPath = Path.Combine(_migrationDisks, "mover.img");
        Assert.That(data["movedDisks"]!.AsArray().Select(d => d!.GetValue<string>()), Is.EqualTo(new[] { newPath }));
        Assert.That(File.ReadAllText(newPath), Is.EqualTo("disk bytes"));
        Assert.That(File.Exists(Path.Combine(_host.ImageDirectory, "mover.img")), Is.False);
        using var moved = _target.LookupDomain("mover");
        Assert.That(DomainXml.ReadDisks(moved.GetXml()).Single().SourceFile, Is.EqualTo(newPath));
    }

    [Test]
    public async Task A_name_clash_on_the_target_is_refused_before_anything_moves()
    {
        using (_target.DefineDomain(DomainXml.Build(new VmSpec("beta", 1, 64, "test")))) { }
        var before = await _host.DomainSnapshotAsync();

        var result = await _host.DispatchAsync("vm.migrate", new JsonObject { ["name"] = "beta", ["targetUri"] = TargetUri });

        Assert.That(result.Code, Is.EqualTo(ErrorCode.VmExists), result.ToString());
        Assert.That(await _host.DomainSnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task An_unreachable_target_is_MigrationFailed_and_the_vm_stays()
    {
        var before = await _host.DomainSnapshotAsync();
        var result = await _host.DispatchAsync("vm.migrate", new JsonObject { ["name"] = "alpha", ["targetUri"] = "test:///no/such/node.xml" });

        Assert.That(result.Code, Is.EqualTo(ErrorCode.MigrationFailed), result.ToString());
        Assert.That(await _host.DomainSnapshotAsync(), Is.EqualTo(before));
        Assert.That(_host.Hypervisor.IsConnected, Is.True, "a dead target is not a dead local hypervisor");
    }

    [Test]
    public async Task Live_mode_on_the_test_driver_is_unavailable_with_a_reason()
    {
        var result = await _host.DispatchAsync("vm.migrate", new JsonObject { ["name"] = "alpha", ["targetUri"] = TargetUri, ["mode"] = "live" });
        Assert.That(result.Code, Is.EqualTo(ErrorCode.OperationUnavailable), result.ToString());
        Assert.That(result.Message, Does.Contain("test driver"));
    }

    [TestCase("file:///etc/passwd")]
    [TestCase("not a uri")]
    [TestCase("qemu+ext:///system?command=/bin/sh")]
    public async Task Unsafe_target_uris_are_InvalidArguments(string target)
    {
        var before = await _host.DomainSnapshotAsync();
        var result = await _host.DispatchAsync("vm.migrate", new JsonObject { ["name"] = "alpha", ["targetUri"] = target });
        Assert.That(result.Code, Is.EqualTo(ErrorCode.InvalidArguments), result.ToString());
        Assert.That(await _host.DomainSnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Migrating_to_itself_is_InvalidArguments()
    {
        var result = await _host.DispatchAsync("vm.migrate", new JsonObject { ["name"] = "alpha", ["targetUri"] = _host.LibvirtUri });
        Assert.That(result.Code, Is.EqualTo(ErrorCode.InvalidArguments), result.ToString());
    }
}
