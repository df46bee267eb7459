using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// <c>vm.define</c>: defines a persistent VM from a validated spec. Every field is checked before libvirt is called;
/// the disk must resolve inside the image directory; an existing VM of the same name is never redefined.
/// </summary>
public sealed class VmDefineOperation : LibvirtOperation
{
    private static readonly string[] Graphics = ["none", "vnc", "spice"];
    private static readonly string[] DiskFormats = ["raw", "qcow2"];

    private readonly HostManagerOptions _options;
    private readonly ImagePathPolicy _images;

    public VmDefineOperation(HypervisorConnection hypervisor, IOptions<HostManagerOptions> options, ImagePathPolicy images,
        ILogger<VmDefineOperation> logger) : base(hypervisor, logger)
    {
        _options = options.Value;
        _images = images;
        Parameters =
        [
            VmNameParameter,
            new("vcpus", ParameterType.Integer, Required: true, "Virtual CPUs", Minimum: 1, Maximum: _options.MaxVcpus),
            new("memoryMiB", ParameterType.Integer, Required: true, "Memory in MiB", Minimum: _options.MinMemoryMiB, Maximum: _options.MaxMemoryMiB),
            new("disk", ParameterType.String, Required: false, "Disk image, relative to (or inside) the image directory", MaxLength: 1024),
            new("diskFormat", ParameterType.String, Required: false, "raw or qcow2 (default: from the file extension)", MaxLength: 8),
            new("network", ParameterType.String, Required: false, "libvirt network to attach to", MaxLength: VmNames.MaxNameLength),
            new("bridge", ParameterType.String, Required: false, "Host bridge to attach to (instead of a network)", MaxLength: VmNames.MaxBridgeLength),
            new("graphics", ParameterType.String, Required: false, "none (default), vnc or spice", MaxLength: 8),
        ];
    }

    public override string Name => "vm.define";

    public override string Description => "Defines a persistent VM: name, vCPUs, memory, disk image, network, graphics.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; }

    protected override ErrorCode InvalidStateCode => ErrorCode.VmExists;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var (spec, failure) = BuildSpec(arguments);
        if (spec is null)
            return failure!;
        var xml = DomainXml.Build(spec);
        var result = await Hypervisor.RunAsync(connection =>
        {
            using (var existing = connection.TryLookupDomain(spec.Name))
            {
                if (existing is not null)
                    return OperationResult.Fail(ErrorCode.VmExists, $"a VM named '{spec.Name}' already exists");
            }
            using var domain = connection.DefineDomain(xml);
            return OperationResult.Ok(VmJson.Info(domain.Name, domain.GetUuid(), domain.GetInfo(), domain.IsPersistent()));
        }, cancellationToken).ConfigureAwait(false);
        if (result.Success)
            Logger.VmChanged(context.RequestId, spec.Name, "defined");
        return result;
    }

    private (VmSpec? Spec, OperationResult? Failure) BuildSpec(JsonObject arguments)
    {
        var name = Arguments.GetString(arguments, "name");
        if (VmNames.Check("VM name", name) is { } badName)
            return Invalid(badName);

        var graphics = Arguments.GetOptionalString(arguments, "graphics") ?? "none";
        if (!Graphics.Contains(graphics))
            return Invalid($"graphics '{VmNames.Printable(graphics)}' must be one of {string.Join(", ", Graphics)}");

        var network = Arguments.GetOptionalString(arguments, "network");
        var bridge = Arguments.GetOptionalString(arguments, "bridge");
        if (network is not null && bridge is not null)
            return Invalid("give either network or bridge, not both");
        if (network is not null && VmNames.Check("network", network) is { } badNetwork)
            return Invalid(badNetwork);
        if (bridge is not null && !VmNames.IsValidBridge(bridge))
            return Invalid($"bridge '{VmNames.Printable(bridge)}' is not a valid interface name (1-{VmNames.MaxBridgeLength} letters, digits, '.', '_' or '-')");

        string? diskPath = null;
        var diskFormat = Arguments.GetOptionalString(arguments, "diskFormat");
        if (diskFormat is not null && !DiskFormats.Contains(diskFormat))
            return Invalid($"diskFormat '{VmNames.Printable(diskFormat)}' must be raw or qcow2");
        if (Arguments.GetOptionalString(arguments, "disk") is { } disk)
        {
            var (path, error, reason) = _images.Resolve(disk);
            if (path is null)
                return (null, OperationResult.Fail(error, reason!));
            diskPath = path;
            diskFormat ??= path.EndsWith(".qcow2", StringComparison.OrdinalIgnoreCase) ? "qcow2" : "raw";
        }

        var spec = new VmSpec(name,
            (int)Arguments.GetInt64(arguments, "vcpus"),
            Arguments.GetInt64(arguments, "memoryMiB"),
            _options.EffectiveDomainType,
            diskPath,
            diskFormat ?? "raw",
            network,
            bridge,
            graphics,
            _options.GraphicsListenAddress);
        return (spec, null);
    }

    private static (VmSpec?, OperationResult?) Invalid(string reason) => (null, OperationResult.Fail(ErrorCode.InvalidArguments, reason));
}
