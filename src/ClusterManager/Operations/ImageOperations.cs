using System.Text.Json.Nodes;
using CleverCloud.ClusterManager.State;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;

namespace CleverCloud.ClusterManager.Operations;

/// <summary>
/// <c>image.register</c>: records a VM image available under the hosts' image directory. The path is relative to that
/// directory on every host; the HM re-checks it on <c>vm.define</c>, so a bad path cannot escape it there either.
/// </summary>
public sealed class ImageRegisterOperation(ClusterStore store) : ClusterOperation
{
    private static readonly string[] Formats = ["raw", "qcow2", "iso"];

    public override string Name => "image.register";
    public override string Description => "Register a VM image (path relative to the hosts' image directory).";
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        new("name", ParameterType.String, Required: true, "Image name", MaxLength: 128),
        new("path", ParameterType.String, Required: true, "Path relative to the image directory", MaxLength: 1024),
        new("format", ParameterType.String, Required: false, "raw, qcow2 or iso (default qcow2)", MaxLength: 8),
        new("sizeBytes", ParameterType.Integer, Required: false, "Size in bytes", Minimum: 0),
        new("sha256", ParameterType.String, Required: false, "SHA-256 of the image, hex", MaxLength: 64),
        new("description", ParameterType.String, Required: false, "Free text", MaxLength: 512),
    ];

    public override Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var name = Arguments.GetString(arguments, "name");
        var path = Arguments.GetString(arguments, "path");
        var format = Arguments.GetOptionalString(arguments, "format") ?? "qcow2";
        var sha = Arguments.GetOptionalString(arguments, "sha256");

        if (!IsSafeName(name))
            return Fail($"image name '{name}' may contain only letters, digits, '.', '_' and '-'");
        if (Path.IsPathRooted(path) || path.Split('/', '\\').Any(segment => segment is ".." or "") || path.Contains('\0', StringComparison.Ordinal))
            return Task.FromResult(OperationResult.Fail(ErrorCode.ImagePathNotAllowed, $"image path '{path}' must be relative to the image directory, without '..'"));
        if (!Formats.Contains(format))
            return Fail($"format '{format}' is not one of {string.Join(", ", Formats)}");
        if (sha is not null && (sha.Length != 64 || !sha.All(Uri.IsHexDigit)))
            return Fail("sha256 must be 64 hexadecimal digits");

        var record = new ImageRecord(name, path, format, Arguments.GetOptionalInt64(arguments, "sizeBytes"), sha?.ToLowerInvariant(),
            Arguments.GetOptionalString(arguments, "description"));
        if (!store.RegisterImage(record))
            return Task.FromResult(OperationResult.Fail(ErrorCode.Conflict, $"an image named '{name}' is already registered"));
        return Task.FromResult(OperationResult.Ok(ImageJson(record)));
    }

    internal static JsonObject ImageJson(ImageRecord image) => new()
    {
        ["name"] = image.Name,
        ["path"] = image.Path,
        ["format"] = image.Format,
        ["sizeBytes"] = image.SizeBytes,
        ["sha256"] = image.Sha256,
        ["description"] = image.Description,
    };

    private static bool IsSafeName(string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-') && name[0] != '.';

    private static Task<OperationResult> Fail(string message) =>
        Task.FromResult(OperationResult.Fail(ErrorCode.InvalidArguments, message));
}

public sealed class ImageListOperation(ClusterStore store) : ClusterOperation
{
    public override string Name => "image.list";
    public override string Description => "List registered images.";

    public override Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var images = new JsonArray();
        foreach (var image in store.Images())
            images.Add(ImageRegisterOperation.ImageJson(image));
        return Task.FromResult(OperationResult.Ok(new JsonObject { ["images"] = images }));
    }
}

public sealed class ImageRemoveOperation(ClusterStore store) : ClusterOperation
{
    public override string Name => "image.remove";
    public override string Description => "Forget a registered image (refused while a VM uses it).";
    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
        [new("name", ParameterType.String, Required: true, "Image name", MaxLength: 128)];

    public override Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        var name = Arguments.GetString(arguments, "name");
        var users = store.Vms().Where(vm => vm.Image == name).Select(vm => vm.Name).ToList();
        if (users.Count > 0)
            return Task.FromResult(OperationResult.Fail(ErrorCode.Conflict, $"image '{name}' is used by {string.Join(", ", users)}"));
        return Task.FromResult(store.RemoveImage(name)
            ? OperationResult.Ok(new JsonObject { ["name"] = name, ["removed"] = true })
            : OperationResult.Fail(ErrorCode.NoSuchImage, $"no image named '{name}' is registered"));
    }
}
