using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.list</c>: every VM on this host, running or not, with its state.</summary>
public sealed class VmListOperation(HypervisorConnection hypervisor, ILogger<VmListOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.list";

    public override string Description => "Lists the VMs defined or running on this host with their states.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var vms = await Hypervisor.RunAsync(connection =>
        {
            var domains = connection.ListAllDomains();
            try
            {
                var list = new JsonArray();
                foreach (var domain in domains.OrderBy(d => d.Name, StringComparer.Ordinal))
                {
                    list.Add((JsonNode)new JsonObject
                    {
                        ["name"] = domain.Name,
                        ["uuid"] = domain.GetUuid(),
                        ["state"] = domain.GetState().ToWireName(),
                        ["persistent"] = domain.IsPersistent(),
                    });
                }
                return list;
            }
            finally
            {
                foreach (var domain in domains)
                    domain.Dispose();
            }
        }, cancellationToken).ConfigureAwait(false);
        return OperationResult.Ok(new JsonObject { ["vms"] = vms });
    }
}
