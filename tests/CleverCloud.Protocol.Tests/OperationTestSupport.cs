using System.Text.Json.Nodes;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;

namespace CleverCloud.Protocol.Tests;

/// <summary>A small operation with a declared schema that counts its executions.</summary>
internal sealed class EchoOperation : IOperation
{
    public int Executions;
    public TaskCompletionSource? Gate;
    public string? UnavailableReason;
    public Exception? Throw;

    public string Name => "test.echo";
    public string Description => "Echoes its text argument.";

    public IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        new("text", ParameterType.String, Required: true, "Text to echo", MaxLength: 16),
        new("times", ParameterType.Integer, Required: false, "Repetitions", Minimum: 1, Maximum: 5),
        new("loud", ParameterType.Boolean, Required: false, "Upper-case"),
    ];

    public OperationAvailability CheckAvailability() =>
        UnavailableReason is null ? OperationAvailability.Available : OperationAvailability.Unavailable(UnavailableReason);

    public async Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Executions);
        if (Gate is not null)
            await Gate.Task.WaitAsync(cancellationToken);
        if (Throw is not null)
            throw Throw;
        var text = arguments["text"]!.GetValue<string>();
        var times = Arguments.GetOptionalInt64(arguments, "times") ?? 1;
        var result = string.Concat(Enumerable.Repeat(text, (int)times));
        if (arguments["loud"]?.GetValue<bool>() == true)
            result = result.ToUpperInvariant();
        return OperationResult.Ok(new JsonObject { ["echo"] = result, ["sender"] = context.Sender });
    }
}
