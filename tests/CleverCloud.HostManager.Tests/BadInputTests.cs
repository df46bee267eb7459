using System.Text.Json.Nodes;
using CleverCloud.HostManager.Tests.Support;
using CleverCloud.Protocol;

namespace CleverCloud.HostManager.Tests;

/// <summary>
/// Bad requests: each gets a numbered error, a log line saying why, no change in libvirt (domains compared before and
/// after), and the dispatcher keeps serving (host.ping afterwards).
/// </summary>
public sealed class BadInputTests
{
    private TestHost _host = null!;
    private IReadOnlyList<string> _before = null!;

    [SetUp]
    public async Task SetUp()
    {
        _host = new TestHost();
        _before = await _host.DomainSnapshotAsync();
    }

    [TearDown]
    public void TearDown() => _host.Dispose();

    private async Task AssertRefusedAsync(string operation, JsonObject arguments, ErrorCode expected)
    {
        var result = await _host.DispatchAsync(operation, arguments);
        Assert.That(result.Success, Is.False, result.ToString());
        Assert.That(result.Code, Is.EqualTo(expected), result.ToString());
        Assert.That(result.Message, Is.Not.Empty);
        Assert.That(await _host.DomainSnapshotAsync(), Is.EqualTo(_before), "libvirt must be unchanged");
        Assert.That(_host.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).Select(e => e.Message),
            Has.Some.Contains(result.Message!.Length > 40 ? result.Message[..40] : result.Message), "the refusal is logged with its reason");
        Assert.That((await _host.DispatchAsync("host.ping")).Success, Is.True, "the dispatcher keeps serving");
    }

    private static JsonObject Define(string name, long vcpus = 1, long memoryMiB = 128) =>
        new() { ["name"] = name, ["vcpus"] = vcpus, ["memoryMiB"] = memoryMiB };

    [TestCase("a<b")]
    [TestCase("x'/><devices><disk")]
    [TestCase("a&b")]
    [TestCase("\"quoted\"")]
    [TestCase("../etc")]
    [TestCase("a/b")]
    [TestCase("a\\b")]
    [TestCase("..")]
    [TestCase(".hidden")]
    [TestCase("")]
    [TestCase("name with space")]
    [TestCase("nul\0byte")]
    public async Task Define_with_an_unsafe_name_is_InvalidArguments(string name) =>
        await AssertRefusedAsync("vm.define", Define(name), ErrorCode.InvalidArguments);

    [TestCase("vm.start")]
    [TestCase("vm.info")]
    [TestCase("vm.destroy")]
    [TestCase("vm.save")]
    public async Task Other_operations_refuse_unsafe_names_before_libvirt(string operation) =>
        await AssertRefusedAsync(operation, new JsonObject { ["name"] = "../../alpha" }, ErrorCode.InvalidArguments);

    [Test]
    public async Task Too_long_a_name_is_InvalidArguments() =>
        await AssertRefusedAsync("vm.define", Define(new string('a', 65)), ErrorCode.InvalidArguments);

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(1_000_000)]
    public async Task Absurd_vcpu_counts_are_InvalidArguments(long vcpus) =>
        await AssertRefusedAsync("vm.define", Define("ok-name", vcpus: vcpus), ErrorCode.InvalidArguments);

    [TestCase(0)]
    [TestCase(-512)]
    [TestCase(8)]
    [TestCase(long.MaxValue)]
    public async Task Absurd_memory_sizes_are_InvalidArguments(long memoryMiB) =>
        await AssertRefusedAsync("vm.define", Define("ok-name", memoryMiB: memoryMiB), ErrorCode.InvalidArguments);

    [Test]
    public async Task Memory_given_as_text_is_InvalidArguments() =>
        await AssertRefusedAsync("vm.define", new JsonObject { ["name"] = "ok", ["vcpus"] = 1, ["memoryMiB"] = "512" }, ErrorCode.InvalidArguments);

    [Test]
    public async Task Disk_path_climbing_out_with_dotdot_is_refused() =>
        await AssertRefusedAsync("vm.define", WithDisk("../../etc/passwd"), ErrorCode.ImagePathNotAllowed);

    [Test]
    public async Task Disk_path_absolute_elsewhere_is_refused() =>
        await AssertRefusedAsync("vm.define", WithDisk("/etc/passwd"), ErrorCode.ImagePathNotAllowed);

    [Test]
    public async Task Disk_path_that_is_a_prefix_sibling_of_the_image_directory_is_refused()
    {
        var sibling = _host.ImageDirectory + "-evil";
        Directory.CreateDirectory(sibling);
        File.WriteAllText(Path.Combine(sibling, "x.img"), "x");
        await AssertRefusedAsync("vm.define", WithDisk(Path.Combine(sibling, "x.img")), ErrorCode.ImagePathNotAllowed);
    }

    [Test]
    public async Task Disk_symlink_escaping_the_image_directory_is_refused()
    {
        var outside = Path.Combine(_host.Directory, "secret.img");
        File.WriteAllText(outside, "secret");
        File.CreateSymbolicLink(Path.Combine(_host.ImageDirectory, "innocent.img"), outside);
        await AssertRefusedAsync("vm.define", WithDisk("innocent.img"), ErrorCode.ImagePathNotAllowed);
    }

    [Test]
    public async Task Disk_in_a_symlinked_directory_escaping_the_image_directory_is_refused()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_host.Directory, "elsewhere")).FullName;
        File.WriteAllText(Path.Combine(outside, "disk.img"), "x");
        Directory.CreateSymbolicLink(Path.Combine(_host.ImageDirectory, "linked"), outside);
        await AssertRefusedAsync("vm.define", WithDisk("linked/disk.img"), ErrorCode.ImagePathNotAllowed);
    }

    [Test]
    public async Task Missing_disk_image_is_NoSuchImage() =>
        await AssertRefusedAsync("vm.define", WithDisk("nothing-here.img"), ErrorCode.NoSuchImage);

    [TestCase("graphics", "rdp")]
    [TestCase("network", "bad/net")]
    [TestCase("bridge", "br0;reboot")]
    [TestCase("bridge", "a-bridge-name-too-long")]
    [TestCase("diskFormat", "vmdk")]
    public async Task Invalid_device_choices_are_InvalidArguments(string parameter, string value)
    {
        var arguments = Define("ok-name");
        arguments[parameter] = value;
        await AssertRefusedAsync("vm.define", arguments, ErrorCode.InvalidArguments);
    }

    [Test]
    public async Task Unknown_parameter_is_InvalidArguments()
    {
        var arguments = Define("ok-name");
        arguments["xml"] = "<domain/>";
        await AssertRefusedAsync("vm.define", arguments, ErrorCode.InvalidArguments);
    }

    [Test]
    public async Task Unknown_operation_is_UnknownOperation() =>
        await AssertRefusedAsync("vm.explode", new JsonObject { ["name"] = "alpha" }, ErrorCode.UnknownOperation);

    [TestCase("vm.start")]
    [TestCase("vm.shutdown")]
    [TestCase("vm.destroy")]
    [TestCase("vm.suspend")]
    [TestCase("vm.resume")]
    [TestCase("vm.info")]
    [TestCase("vm.undefine")]
    [TestCase("vm.snapshot.list")]
    public async Task Operations_on_a_missing_vm_are_NoSuchVm(string operation) =>
        await AssertRefusedAsync(operation, new JsonObject { ["name"] = "ghost" }, ErrorCode.NoSuchVm);

    [Test]
    public async Task Starting_a_running_vm_is_VmAlreadyRunning() =>
        await AssertRefusedAsync("vm.start", new JsonObject { ["name"] = "alpha" }, ErrorCode.VmAlreadyRunning);

    [Test]
    public async Task Resuming_a_running_vm_is_VmAlreadyRunning() =>
        await AssertRefusedAsync("vm.resume", new JsonObject { ["name"] = "alpha" }, ErrorCode.VmAlreadyRunning);

    [Test]
    public async Task Suspending_a_stopped_vm_is_VmNotRunning() =>
        await AssertRefusedAsync("vm.suspend", new JsonObject { ["name"] = "beta" }, ErrorCode.VmNotRunning);

    [Test]
    public async Task Suspending_a_paused_vm_is_InvalidVmState() =>
        await AssertRefusedAsync("vm.suspend", new JsonObject { ["name"] = "gamma" }, ErrorCode.InvalidVmState);

    [Test]
    public async Task Shutting_down_a_stopped_vm_is_VmNotRunning() =>
        await AssertRefusedAsync("vm.shutdown", new JsonObject { ["name"] = "beta" }, ErrorCode.VmNotRunning);

    [Test]
    public async Task Destroying_a_stopped_vm_is_VmNotRunning() =>
        await AssertRefusedAsync("vm.destroy", new JsonObject { ["name"] = "beta" }, ErrorCode.VmNotRunning);

    [Test]
    public async Task Rebooting_a_paused_vm_is_InvalidVmState() =>
        await AssertRefusedAsync("vm.reboot", new JsonObject { ["name"] = "gamma" }, ErrorCode.InvalidVmState);

    [Test]
    public async Task Restoring_a_running_vm_is_VmAlreadyRunning()
    {
        File.WriteAllText(Path.Combine(_host.StateDirectory, "alpha.save"), "not really a state file");
        await AssertRefusedAsync("vm.restore", new JsonObject { ["name"] = "alpha" }, ErrorCode.VmAlreadyRunning);
    }

    private JsonObject WithDisk(string disk)
    {
        var arguments = Define("ok-name");
        arguments["disk"] = disk;
        return arguments;
    }
}
