using System.Text.Json.Nodes;

namespace CleverCloud.Protocol.Operations;

/// <summary>
/// An operation an agent can perform on request. One class per operation, registered with
/// <see cref="OperationServiceCollectionExtensions.AddOperation{TOperation}"/> in one place per agent.
/// </summary>
public interface IOperation
{
    /// <summary>Dotted name on the wire, e.g. <c>vm.start</c>.</summary>
    string Name { get; }

    string Description { get; }

    IReadOnlyList<ParameterDescriptor> Parameters { get; }

    /// <summary>Whether this host can perform the operation at all (e.g. live migration on a driver lacking it).</summary>
    OperationAvailability CheckAvailability();

    /// <summary>
    /// Runs the operation. <paramref name="arguments"/> has already been checked against <see cref="Parameters"/>.
    /// Expected failures return <see cref="OperationResult.Fail"/>; an exception becomes <see cref="ErrorCode.InternalError"/>.
    /// </summary>
    Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken);
}

public readonly record struct OperationAvailability(bool IsAvailable, string? Reason)
{
    public static OperationAvailability Available { get; } = new(true, null);
    public static OperationAvailability Unavailable(string reason) => new(false, reason);
}

/// <summary>Who asked, and under which request id; operations use it for logging and authorization decisions.</summary>
public sealed record OperationContext(string RequestId, string Sender, string? SenderRole = null);
