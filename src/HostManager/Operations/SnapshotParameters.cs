using System.Text.Json.Nodes;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;

namespace CleverCloud.HostManager.Operations;

/// <summary>The snapshot-name parameter shared by the vm.snapshot.* operations.</summary>
internal static class SnapshotParameters
{
    public static ParameterDescriptor Snapshot { get; } =
        new("snapshot", ParameterType.String, Required: true, "Snapshot name", MaxLength: VmNames.MaxNameLength);

    public static bool TryGet(JsonObject arguments, out string snapshot, out OperationResult failure)
    {
        snapshot = Arguments.GetString(arguments, "snapshot");
        var problem = VmNames.Check("snapshot name", snapshot);
        failure = problem is null ? null! : OperationResult.Fail(ErrorCode.InvalidArguments, problem);
        return problem is null;
    }
}
