using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// <c>host.info</c>: host name, libvirt and hypervisor versions, node CPUs and memory, and every operation this host
/// offers with its parameters and availability. When the hypervisor is down the reply still comes, saying so.
/// </summary>
public sealed class HostInfoOperation(HypervisorConnection hypervisor, IServiceProvider services, ILogger<HostInfoOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "host.info";

    public override string Description => "Describes this host: versions, CPUs, memory and the operations it offers.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var data = new JsonObject
        {
            ["hostname"] = Environment.MachineName,
            ["libvirtVersion"] = FormatVersion(LibvirtRuntime.LibraryVersion),
            ["libvirtUri"] = Hypervisor.Uri,
        };
        try
        {
            var hypervisorInfo = await Hypervisor.RunAsync(connection =>
            {
                var node = connection.GetNodeInfo();
                return new JsonObject
                {
                    ["connected"] = true,
                    ["hostname"] = connection.GetHostname(),
                    ["type"] = connection.GetHypervisorType(),
                    ["version"] = FormatVersion(connection.GetHypervisorVersion()),
                    ["cpuModel"] = node.Model,
                    ["cpus"] = node.Cpus,
                    ["mhz"] = node.Mhz,
                    ["numaNodes"] = node.NumaNodes,
                    ["sockets"] = node.Sockets,
                    ["coresPerSocket"] = node.CoresPerSocket,
                    ["threadsPerCore"] = node.ThreadsPerCore,
                    ["memoryKiB"] = node.MemoryKiB,
                };
            }, cancellationToken).ConfigureAwait(false);
            data["hypervisor"] = hypervisorInfo;
        }
        catch (LibvirtException exception) when (exception.IsConnectionFailure)
        {
            // The host still answers: the CM learns the hypervisor is down and which operations remain.
            data["hypervisor"] = new JsonObject { ["connected"] = false, ["error"] = exception.LibvirtMessage };
        }

        // Resolved here, not injected: the registry is built from all operations, this one included.
        var registry = services.GetRequiredService<OperationRegistry>();
        var operations = new JsonArray();
        foreach (var operation in registry.All)
        {
            var availability = operation.CheckAvailability();
            operations.Add((JsonNode)new JsonObject
            {
                ["name"] = operation.Name,
                ["description"] = operation.Description,
                ["available"] = availability.IsAvailable,
                ["reason"] = availability.Reason,
                ["parameters"] = new JsonArray(operation.Parameters.Select(p => (JsonNode)new JsonObject
                {
                    ["name"] = p.Name,
                    ["type"] = p.Type.ToString().ToLowerInvariant(),
                    ["required"] = p.Required,
                    ["description"] = p.Description,
                    ["minimum"] = p.Minimum,
                    ["maximum"] = p.Maximum,
                    ["maxLength"] = p.MaxLength,
                }).ToArray()),
            });
        }
        data["operations"] = operations;
        return OperationResult.Ok(data);
    }

    /// <summary>libvirt encodes versions as major * 1,000,000 + minor * 1,000 + release.</summary>
    internal static string FormatVersion(ulong version) => $"{version / 1_000_000}.{version / 1_000 % 1_000}.{version % 1_000}";
}
