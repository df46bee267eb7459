using System.Text.Json.Nodes;
using CleverCloud.HostManager.Tests.Support;
using CleverCloud.Protocol;

namespace CleverCloud.HostManager.Tests;

/// <summary>Every VM operation through the real dispatcher against libvirt's test driver, on a preloaded node file.</summary>
public sealed class VmOperationTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost();

    [TearDown]
    public void TearDown() => _host.Dispose();

    private static JsonObject Vm(string name) => new() { ["name"] = name };

    [Test]
    public async Task List_shows_the_preloaded_domains_with_their_states()
    {
        var data = await _host.SucceedAsync("vm.list");
        var vms = data["vms"]!.AsArray().Select(v => $"{v!["name"]}:{v["state"]}").ToList();
        Assert.That(vms, Is.EqualTo(new[] { "alpha:running", "beta:shutoff", "gamma:paused" }));
    }

    [Test]
    public async Task Define_builds_a_domain_libvirt_accepts_and_reports_back()
    {
        File.WriteAllBytes(Path.Combine(_host.ImageDirectory, "web.qcow2"), new byte[512]);
        var data = await _host.SucceedAsync("vm.define", new JsonObject
        {
            ["name"] = "web-1", ["vcpus"] = 2, ["memoryMiB"] = 512, ["disk"] = "web.qcow2", ["network"] = "default", ["graphics"] = "vnc",
        });
        Assert.That(data["state"]!.GetValue<string>(), Is.EqualTo("shutoff"));
        Assert.That(data["vcpus"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(data["maxMemoryKiB"]!.GetValue<ulong>(), Is.EqualTo(512UL * 1024));

        var info = await _host.SucceedAsync("vm.info", Vm("web-1"));
        var disk = info["disks"]!.AsArray().Single()!;
        Assert.That(disk["source"]!.GetValue<string>(), Is.EqualTo(Path.Combine(_host.ImageDirectory, "web.qcow2")));
        Assert.That(info["interfaces"]!.AsArray(), Has.Count.EqualTo(1));
        Assert.That(info["persistent"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public async Task Define_refuses_an_existing_name_and_leaves_it_untouched()
    {
        var before = await _host.DomainSnapshotAsync();
        var result = await _host.DispatchAsync("vm.define", new JsonObject { ["name"] = "alpha", ["vcpus"] = 4, ["memoryMiB"] = 64 });
        Assert.That(result.Code, Is.EqualTo(ErrorCode.VmExists), result.ToString());
        Assert.That(await _host.DomainSnapshotAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task Start_suspend_resume_reboot_shutdown_cycle()
    {
        Assert.That((await _host.SucceedAsync("vm.start", Vm("beta")))["state"]!.GetValue<string>(), Is.EqualTo("running"));
        Assert.That((await _host.SucceedAsync("vm.suspend", Vm("beta")))["state"]!.GetValue<string>(), Is.EqualTo("paused"));
        Assert.That((await _host.SucceedAsync("vm.resume", Vm("beta")))["state"]!.GetValue<string>(), Is.EqualTo("running"));
        Assert.That((await _host.SucceedAsync("vm.reboot", Vm("beta")))["state"]!.GetValue<string>(), Is.EqualTo("running"));
        var shutdown = await _host.SucceedAsync("vm.shutdown", new JsonObject { ["name"] = "beta", ["timeoutSeconds"] = 30 });
        Assert.That(shutdown["state"]!.GetValue<string>(), Is.EqualTo("shutoff"));
        Assert.That(shutdown["forced"]!.GetValue<bool>(), Is.False);
        Assert.That(await _host.StateOfAsync("beta"), Is.EqualTo("shutoff"));
    }

    [Test]
    public async Task Destroy_stops_a_running_vm()
    {
        var data = await _host.SucceedAsync("vm.destroy", Vm("alpha"));
        Assert.That(data["state"]!.GetValue<string>(), Is.EqualTo("shutoff"));
    }

    [Test]
    public async Task Undefine_removes_a_stopped_vm()
    {
        await _host.SucceedAsync("vm.undefine", Vm("beta"));
        var names = (await _host.SucceedAsync("vm.list"))["vms"]!.AsArray().Select(v => v!["name"]!.GetValue<string>());
        Assert.That(names, Is.EquivalentTo(new[] { "alpha", "gamma" }));
    }

    [Test]
    public async Task Undefine_refuses_a_running_vm()
    {
        var result = await _host.DispatchAsync("vm.undefine", Vm("alpha"));
        Assert.That(result.Code, Is.EqualTo(ErrorCode.InvalidVmState), result.ToString());
        Assert.That(await _host.StateOfAsync("alpha"), Is.EqualTo("running"));
    }

    [Test]
    public async Task Save_writes_the_state_file_and_restore_brings_the_vm_back()
    {
        var saved = await _host.SucceedAsync("vm.save", Vm("alpha"));
        Assert.That(saved["state"]!.GetValue<string>(), Is.EqualTo("shutoff"));
        var stateFile = Path.Combine(_host.StateDirectory, "alpha.save");
        Assert.That(File.Exists(stateFile), Is.True);

        var restored = await _host.SucceedAsync("vm.restore", Vm("alpha"));
        Assert.That(restored["state"]!.GetValue<string>(), Is.EqualTo("running"));
        Assert.That(File.Exists(stateFile), Is.False, "the state file is consumed by a restore");
    }

    [Test]
    public async Task Restore_without_a_saved_state_is_refused()
    {
        var result = await _host.DispatchAsync("vm.restore", Vm("beta"));
        Assert.That(result.Code, Is.EqualTo(ErrorCode.InvalidVmState), result.ToString());
    }

    [Test]
    public async Task Info_and_stats_report_the_running_vm()
    {
        var info = await _host.SucceedAsync("vm.info", Vm("alpha"));
        Assert.That(info["uuid"]!.GetValue<string>(), Is.EqualTo("11111111-2222-3333-4444-000000000001"));
        Assert.That(info["vcpus"]!.GetValue<int>(), Is.EqualTo(1));

        var stats = await _host.SucceedAsync("vm.stats", Vm("alpha"));
        Assert.That(stats["cpuTimeNs"]!.GetValue<ulong>(), Is.GreaterThan(0UL));
        var disk = stats["disks"]!.AsArray().Single()!;
        Assert.That(disk["target"]!.GetValue<string>(), Is.EqualTo("vda"));
        Assert.That(disk["readBytes"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(0));
        var nic = stats["interfaces"]!.AsArray().Single()!;
        Assert.That(nic["mac"]!.GetValue<string>(), Is.EqualTo("52:54:00:11:22:33"));
        Assert.That(nic["rxBytes"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public async Task Stats_of_a_stopped_vm_is_VmNotRunning()
    {
        var result = await _host.DispatchAsync("vm.stats", Vm("beta"));
        Assert.That(result.Code, Is.EqualTo(ErrorCode.VmNotRunning), result.ToString());
    }

    [Test]
    public async Task Console_reads_the_graphics_of_the_live_domain()
    {
        var data = await _host.SucceedAsync("vm.console", Vm("alpha"));
        var console = data["consoles"]!.AsArray().Single()!;
        Assert.That(console["type"]!.GetValue<string>(), Is.EqualTo("vnc"));
        Assert.That(console["listen"]!.GetValue<string>(), Is.EqualTo("127.0.0.1"));
        Assert.That(console["port"]!.GetValue<int>(), Is.EqualTo(5901));
    }

    [Test]
    public async Task Console_of_a_vm_without_graphics_is_refused()
    {
        await _host.SucceedAsync("vm.start", Vm("beta"));
        var result = await _host.DispatchAsync("vm.console", Vm("beta"));
        Assert.That(result.Code, Is.EqualTo(ErrorCode.InvalidVmState), result.ToString());
    }

    [Test]
    public async Task Snapshots_list_create_revert_delete()
    {
        var listed = await _host.SucceedAsync("vm.snapshot.list", Vm("alpha"));
        var preloaded = listed["snapshots"]!.AsArray().Single()!;
        Assert.That(preloaded["snapshot"]!.GetValue<string>(), Is.EqualTo("before-upgrade"));
        Assert.That(preloaded["createdAt"]!.GetValue<string>(), Does.StartWith("2023-11-14T22:13:20"));

        await _host.SucceedAsync("vm.snapshot.create", new JsonObject { ["name"] = "alpha", ["snapshot"] = "s2", ["description"] = "<b>&'\"" });
        listed = await _host.SucceedAsync("vm.snapshot.list", Vm("alpha"));
        var names = listed["snapshots"]!.AsArray().Select(s => s!["snapshot"]!.GetValue<string>());
        Assert.That(names, Is.EqualTo(new[] { "before-upgrade", "s2" }));
        var created = listed["snapshots"]!.AsArray().Single(s => s!["snapshot"]!.GetValue<string>() == "s2")!;
        Assert.That(created["description"]!.GetValue<string>(), Is.EqualTo("<b>&'\""), "XML specials survive as text");
        Assert.That(created["current"]!.GetValue<bool>(), Is.True);

        await _host.SucceedAsync("vm.snapshot.revert", new JsonObject { ["name"] = "alpha", ["snapshot"] = "before-upgrade" });
        await _host.SucceedAsync("vm.snapshot.delete", new JsonObject { ["name"] = "alpha", ["snapshot"] = "s2" });
        listed = await _host.SucceedAsync("vm.snapshot.list", Vm("alpha"));
        Assert.That(listed["snapshots"]!.AsArray().Select(s => s!["snapshot"]!.GetValue<string>()), Is.EqualTo(new[] { "before-upgrade" }));
    }

    [Test]
    public async Task Snapshot_that_does_not_exist_is_NoSuchSnapshot()
    {
        var revert = await _host.DispatchAsync("vm.snapshot.revert", new JsonObject { ["name"] = "alpha", ["snapshot"] = "nope" });
        var delete = await _host.DispatchAsync("vm.snapshot.delete", new JsonObject { ["name"] = "alpha", ["snapshot"] = "nope" });
        Assert.Multiple(() =>
        {
            Assert.That(revert.Code, Is.EqualTo(ErrorCode.NoSuchSnapshot), revert.ToString());
            Assert.That(delete.Code, Is.EqualTo(ErrorCode.NoSuchSnapshot), delete.ToString());
        });
    }

    [Test]
    public async Task Creating_a_snapshot_under_an_existing_name_is_refused()
    {
        var result = await _host.DispatchAsync("vm.snapshot.create", new JsonObject { ["name"] = "alpha", ["snapshot"] = "before-upgrade" });
        Assert.That(result.Code, Is.EqualTo(ErrorCode.InvalidArguments), result.ToString());
    }
}
