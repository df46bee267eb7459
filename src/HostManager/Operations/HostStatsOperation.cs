using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.HostManager.Monitoring;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// <c>host.stats</c>: a fresh host sample (CPU since the previous sample, memory, image-directory disk, load, VMs)
/// plus the hypervisor's view of node memory.
/// </summary>
public sealed class HostStatsOperation(HypervisorConnection hypervisor, HostMonitor monitor, ILogger<HostStatsOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "host.stats";

    public override string Description => "Reports host CPU, memory, disk and load, VM states, and the hypervisor's node memory.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var status = await monitor.SampleAsync(cancellationToken).ConfigureAwait(false);
        var data = (JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(status, MonitoringJsonContext.Default.HostStatus)!;
        if (status.HypervisorConnected)
        {
            try
            {
                data["node"] = await Hypervisor.RunAsync(connection =>
                {
                    var node = connection.GetNodeInfo();
                    return new JsonObject
                    {
                        ["cpus"] = node.Cpus,
                        ["memoryKiB"] = node.MemoryKiB,
                        ["freeMemoryBytes"] = connection.TryGetFreeMemoryBytes(),
                    };
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (LibvirtException exception) when (exception.IsConnectionFailure)
            {
                data["hypervisorConnected"] = false;
            }
        }
        return OperationResult.Ok(data);
    }
}
