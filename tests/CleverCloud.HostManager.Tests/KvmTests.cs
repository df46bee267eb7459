using System.Diagnostics;
using System.Text.Json.Nodes;
using CleverCloud.HostManager.Tests.Support;
using CleverCloud.Protocol;

namespace CleverCloud.HostManager.Tests;

/// <summary>
/// A real hypervisor: KVM through <c>qemu:///embed?root=DIR</c> (libvirt's QEMU driver inside this process, no
/// libvirtd). Needs /dev/kvm and the apt packages libvirt-daemon-driver-qemu and qemu-system-x86; skipped only when
/// /dev/kvm or the QEMU binary is absent. A tiny diskless guest (SeaBIOS finds nothing to boot and idles) is defined,
/// started, paused, resumed, measured, asked to shut down (it cannot: no OS handles ACPI), forced off, started
/// again and destroyed.
/// </summary>
[Category("Kvm")]
[NonParallelizable]
public sealed class KvmTests
{
    private const string QemuBinary = "/usr/bin/qemu-system-x86_64";
    private const string Vm = "clever-kvm-test";

    [Test]
    public async Task Diskless_guest_lifecycle_on_kvm()
    {
        if (!File.Exists("/dev/kvm"))
            Assert.Ignore("/dev/kvm is absent: no hardware virtualization on this machine");
        if (!File.Exists(QemuBinary))
            Assert.Ignore($"{QemuBinary} is absent: install qemu-system-x86 and libvirt-daemon-driver-qemu");
        await EnsureQemuUserAsync();

        var root = TempDirectory.Create();
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "etc"));
            // Root-run embedded driver without namespaces/cgroups/security labels: this machine has no systemd or
            // libvirtd, and the test process is the whole management stack. stdio_handler "file": QEMU's output goes
            // to a log file instead of through virtlogd, which is not running here.
            File.WriteAllText(Path.Combine(root, "etc", "qemu.conf"),
                "user = \"root\"\ngroup = \"root\"\nsecurity_driver = \"none\"\nnamespaces = [ ]\ncgroup_controllers = [ ]\nstdio_handler = \"file\"\n");
            using var host = new TestHost($"qemu:///embed?root={root}");
            var arguments = new JsonObject { ["name"] = Vm };

            var defined = await host.SucceedAsync("vm.define", new JsonObject { ["name"] = Vm, ["vcpus"] = 1, ["memoryMiB"] = 64 });
            Assert.That(defined["state"]!.GetValue<string>(), Is.EqualTo("shutoff"));
            try
            {
                Assert.That((await host.SucceedAsync("vm.start", arguments.DeepClone().AsObject()))["state"]!.GetValue<string>(), Is.EqualTo("running"));
                var again = await host.DispatchAsync("vm.start", arguments.DeepClone().AsObject());
                Assert.That(again.Code, Is.EqualTo(ErrorCode.VmAlreadyRunning), again.ToString());

                Assert.That((await host.SucceedAsync("vm.suspend", arguments.DeepClone().AsObject()))["state"]!.GetValue<string>(), Is.EqualTo("paused"));
                Assert.That((await host.SucceedAsync("vm.resume", arguments.DeepClone().AsObject()))["state"]!.GetValue<string>(), Is.EqualTo("running"));

                var stats = await host.SucceedAsync("vm.stats", arguments.DeepClone().AsObject());
                Assert.That(stats["cpuTimeNs"]!.GetValue<ulong>(), Is.GreaterThan(0UL), "a real guest has used CPU");
                Assert.That(stats["maxMemoryKiB"]!.GetValue<ulong>(), Is.EqualTo(64UL * 1024));

                var info = await host.SucceedAsync("host.info");
                Assert.That(info["hypervisor"]!["type"]!.GetValue<string>(), Is.EqualTo("QEMU"));

                var shutdown = await host.DispatchAsync("vm.shutdown", new JsonObject { ["name"] = Vm, ["timeoutSeconds"] = 1 });
                Assert.That(shutdown.Code, Is.EqualTo(ErrorCode.ShutdownTimedOut), shutdown.ToString());
                Assert.That(await host.StateOfAsync(Vm), Is.EqualTo("running"), "without force the VM keeps running");

                var forced = await host.SucceedAsync("vm.shutdown", new JsonObject { ["name"] = Vm, ["timeoutSeconds"] = 1, ["force"] = true });
                Assert.That(forced["forced"]!.GetValue<bool>(), Is.True);
                Assert.That(forced["state"]!.GetValue<string>(), Is.EqualTo("shutoff"));
                await host.SucceedAsync("vm.start", arguments.DeepClone().AsObject());

                var destroyed = await host.SucceedAsync("vm.destroy", arguments.DeepClone().AsObject());
                Assert.That(destroyed["state"]!.GetValue<string>(), Is.EqualTo("shutoff"));
            }
            finally
            {
                if (await host.StateOfAsync(Vm) != "shutoff")
                    await host.DispatchAsync("vm.destroy", arguments.DeepClone().AsObject());
                await host.SucceedAsync("vm.undefine", arguments.DeepClone().AsObject());
            }
        }
        finally
        {
            TempDirectory.Delete(root);
        }
    }

    /// <summary>The QEMU driver refuses to load without its system user, even when told to run guests as root.</summary>
    private static async Task EnsureQemuUserAsync()
    {
        if (File.ReadAllLines("/etc/passwd").Any(line => line.StartsWith("libvirt-qemu:", StringComparison.Ordinal)))
            return;
        using var useradd = Process.Start(new ProcessStartInfo("useradd", ["--system", "--user-group", "libvirt-qemu"])
        {
            RedirectStandardError = true,
        })!;
        var error = await useradd.StandardError.ReadToEndAsync();
        await useradd.WaitForExitAsync();
        Assert.That(useradd.ExitCode, Is.Zero, $"useradd libvirt-qemu failed: {error}");
    }
}
