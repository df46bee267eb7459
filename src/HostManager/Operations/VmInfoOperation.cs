using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.info</c>: state, vCPUs, memory, CPU time, disks and interfaces of one VM.</summary>
public sealed class VmInfoOperation(HypervisorConnection hypervisor, ILogger<VmInfoOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.info";

    public override string Description => "Describes one VM: state, vCPUs, memory, CPU time, autostart, disks and interfaces.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        return await WithDomainAsync(name, domain =>
        {
            var info = VmJson.Info(domain.Name, domain.GetUuid(), domain.GetInfo(), domain.IsPersistent());
            info["autostart"] = domain.GetAutostart();
            var devices = DomainXml.ReadDevices(domain.GetXml());
            info["disks"] = new JsonArray(devices.Disks
                .Select(d => (JsonNode)new JsonObject { ["target"] = d.Target, ["source"] = d.SourceFile, ["device"] = d.Device })
                .ToArray());
            info["interfaces"] = new JsonArray(devices.Interfaces
                .Select(i => (JsonNode)new JsonObject { ["mac"] = i.Mac, ["type"] = i.Type, ["source"] = i.Source, ["device"] = i.TargetDevice })
                .ToArray());
            return OperationResult.Ok(info);
        }, cancellationToken).ConfigureAwait(false);
    }
}
