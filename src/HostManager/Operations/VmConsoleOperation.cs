using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>vm.console</c>: where to reach a running VM's graphical console (type, listen address, port).</summary>
public sealed class VmConsoleOperation(HypervisorConnection hypervisor, ILogger<VmConsoleOperation> logger) : LibvirtOperation(hypervisor, logger)
{
    public override string Name => "vm.console";

    public override string Description => "Gives the graphical console (VNC/SPICE) type, listen address and port of a running VM.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } = [VmNameParameter];

    protected override ErrorCode InvalidStateCode => ErrorCode.VmNotRunning;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        return await WithDomainAsync(name, domain =>
        {
            var state = domain.GetState();
            if (!state.IsActive())
                return OperationResult.Fail(ErrorCode.VmNotRunning, $"VM '{name}' is not running: its console has no port");
            var consoles = DomainXml.ReadGraphics(domain.GetXml());
            if (consoles.Count == 0)
                return OperationResult.Fail(ErrorCode.InvalidVmState, $"VM '{name}' has no graphical console");
            var list = new JsonArray();
            foreach (var console in consoles)
            {
                list.Add((JsonNode)new JsonObject
                {
                    ["type"] = console.Type,
                    ["listen"] = console.Listen,
                    ["port"] = console.Port,
                    ["tlsPort"] = console.TlsPort,
                    ["autoport"] = console.AutoPort,
                });
            }
            return OperationResult.Ok(new JsonObject { ["name"] = name, ["consoles"] = list });
        }, cancellationToken).ConfigureAwait(false);
    }
}
