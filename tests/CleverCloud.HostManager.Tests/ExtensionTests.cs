using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.HostManager.Operations;
using CleverCloud.HostManager.Tests.Support;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Tests;

/// <summary>
/// <c>vm.setmem</c>, written here, outside the HostManager project, over its public binding
/// (<see cref="LibvirtOperation"/>, <see cref="HypervisorConnection"/>, <see cref="LibvirtDomain"/>): registered with one
/// <c>AddOperation</c> line after <c>AddHostManagerCore</c>, with no change to the HM's code.
/// </summary>
public sealed class VmSetMemoryOperation(HypervisorConnection hypervisor, ILogger<VmSetMemoryOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.setmem";

    public override string Description => "Changes the memory allocated to a VM, up to its maximum.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        VmNameParameter,
        new("memoryMiB", ParameterType.Integer, Required: true, "New allocation in MiB", Minimum: 16, Maximum: 1024 * 1024),
    ];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var memoryKiB = (ulong)Arguments.GetInt64(arguments, "memoryMiB") * 1024;
        return await WithDomainAsync(name, domain =>
        {
            var info = domain.GetInfo();
            if (memoryKiB > info.MaxMemoryKiB)
                return OperationResult.Fail(ErrorCode.InvalidArguments, $"VM '{name}' has at most {info.MaxMemoryKiB / 1024} MiB");
            domain.SetMemory(memoryKiB);
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["memoryKiB"] = domain.GetInfo().MemoryKiB });
        }, cancellationToken).ConfigureAwait(false);
    }
}

public sealed class ExtensionTests
{
    [Test]
    public async Task An_operation_added_from_outside_runs_through_the_dispatcher()
    {
        using var host = new TestHost(extra: services => services.AddOperation<VmSetMemoryOperation>());

        var data = await host.SucceedAsync("vm.setmem", new JsonObject { ["name"] = "alpha", ["memoryMiB"] = 128 });
        Assert.That(data["memoryKiB"]!.GetValue<ulong>(), Is.EqualTo(128UL * 1024));
        var info = await host.SucceedAsync("vm.info", new JsonObject { ["name"] = "alpha" });
        Assert.That(info["memoryKiB"]!.GetValue<ulong>(), Is.EqualTo(128UL * 1024));

        var listed = await host.SucceedAsync("host.info");
        Assert.That(listed["operations"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()), Does.Contain("vm.setmem"));
    }

    [Test]
    public async Task The_added_operation_gets_the_same_checks_and_error_mapping()
    {
        using var host = new TestHost(extra: services => services.AddOperation<VmSetMemoryOperation>());

        var tooSmall = await host.DispatchAsync("vm.setmem", new JsonObject { ["name"] = "alpha", ["memoryMiB"] = 1 });
        var missing = await host.DispatchAsync("vm.setmem", new JsonObject { ["name"] = "ghost", ["memoryMiB"] = 64 });
        var badName = await host.DispatchAsync("vm.setmem", new JsonObject { ["name"] = "<x>", ["memoryMiB"] = 64 });
        var tooBig = await host.DispatchAsync("vm.setmem", new JsonObject { ["name"] = "alpha", ["memoryMiB"] = 4096 });
        Assert.Multiple(() =>
        {
            Assert.That(tooSmall.Code, Is.EqualTo(ErrorCode.InvalidArguments), tooSmall.ToString());
            Assert.That(missing.Code, Is.EqualTo(ErrorCode.NoSuchVm), missing.ToString());
            Assert.That(badName.Code, Is.EqualTo(ErrorCode.InvalidArguments), badName.ToString());
            Assert.That(tooBig.Code, Is.EqualTo(ErrorCode.InvalidArguments), tooBig.ToString());
        });
    }
}
