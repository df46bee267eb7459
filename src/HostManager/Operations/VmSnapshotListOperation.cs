using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.snapshot.list</c>: a VM's snapshots with creation time, state and which one is current.</summary>
public sealed class VmSnapshotListOperation(HypervisorConnection hypervisor, ILogger<VmSnapshotListOperation> logger)
    : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.snapshot.list";

    public override string Description => "Lists a VM's snapshots.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        return await WithDomainAsync(name, domain =>
        {
            var snapshots = domain.ListSnapshots();
            try
            {
                var list = new JsonArray();
                foreach (var snapshot in snapshots.OrderBy(s => s.Name, StringComparer.Ordinal))
                {
                    var xml = XElement.Parse(snapshot.GetXml());
                    list.Add((JsonNode)new JsonObject
                    {
                        ["snapshot"] = snapshot.Name,
                        ["current"] = snapshot.IsCurrent(),
                        ["state"] = (string?)xml.Element("state"),
                        ["createdAt"] = long.TryParse((string?)xml.Element("creationTime"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                            ? DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("O", CultureInfo.InvariantCulture)
                            : null,
                        ["description"] = (string?)xml.Element("description"),
                    });
                }
                return OperationResult.Ok(new JsonObject { ["name"] = name, ["snapshots"] = list });
            }
            finally
            {
                foreach (var snapshot in snapshots)
                    snapshot.Dispose();
            }
        }, cancellationToken).ConfigureAwait(false);
    }
}
