using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.stats</c>: CPU time, memory and per-device disk and network counters of a running VM.</summary>
public sealed class VmStatsOperation(HypervisorConnection hypervisor, ILogger<VmStatsOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.stats";

    public override string Description => "Reports a running VM's CPU time, memory, disk I/O and network I/O counters.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override ErrorCode InvalidStateCode => ErrorCode.VmNotRunning;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        return await WithDomainAsync(name, domain =>
        {
            var info = domain.GetInfo();
            if (!info.State.IsActive())
                return OperationResult.Fail(ErrorCode.VmNotRunning, $"VM '{name}' is not running ({info.State.ToWireName()}): it has no counters");
            var devices = DomainXml.ReadDevices(domain.GetXml());
            var disks = new JsonArray();
            foreach (var disk in devices.Disks)
            {
                var stats = domain.GetBlockStats(disk.Target);
                disks.Add((JsonNode)new JsonObject
                {
                    ["target"] = disk.Target,
                    ["readRequests"] = stats.ReadRequests,
                    ["readBytes"] = stats.ReadBytes,
                    ["writeRequests"] = stats.WriteRequests,
                    ["writeBytes"] = stats.WriteBytes,
                    ["errors"] = stats.Errors,
                });
            }
            var interfaces = new JsonArray();
            foreach (var nic in devices.Interfaces)
            {
                // libvirt finds an interface by host device name or by MAC; the MAC is always there.
                var device = nic.Mac ?? nic.TargetDevice;
                if (device is null)
                    continue;
                var stats = domain.GetInterfaceStats(device);
                interfaces.Add((JsonNode)new JsonObject
                {
                    ["mac"] = nic.Mac,
                    ["device"] = nic.TargetDevice,
                    ["rxBytes"] = stats.RxBytes,
                    ["rxPackets"] = stats.RxPackets,
                    ["rxErrors"] = stats.RxErrors,
                    ["rxDrops"] = stats.RxDrops,
                    ["txBytes"] = stats.TxBytes,
                    ["txPackets"] = stats.TxPackets,
                    ["txErrors"] = stats.TxErrors,
                    ["txDrops"] = stats.TxDrops,
                });
            }
            return OperationResult.Ok(new JsonObject
            {
                ["name"] = name,
                ["state"] = info.State.ToWireName(),
                ["vcpus"] = info.VirtualCpus,
                ["cpuTimeNs"] = info.CpuTimeNanoseconds,
                ["memoryKiB"] = info.MemoryKiB,
                ["maxMemoryKiB"] = info.MaxMemoryKiB,
                ["disks"] = disks,
                ["interfaces"] = interfaces,
            });
        }, cancellationToken).ConfigureAwait(false);
    }
}
