using System.Text.Json.Nodes;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;

namespace CleverCloud.HostManager.Operations;

/// <summary><c>host.ping</c>: liveness; answers without touching the hypervisor.</summary>
public sealed class HostPingOperation(TimeProvider? time = null) : IOperation
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Name => "host.ping";

    public string Description => "Liveness check: replies with the host's name and current time.";

    public IReadOnlyList<ParameterDescriptor> Parameters { get; } = [];

    public OperationAvailability CheckAvailability() => OperationAvailability.Available;

    public Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken) =>
        Task.FromResult(OperationResult.Ok(new JsonObject
        {
            ["pong"] = true,
            ["host"] = Environment.MachineName,
            ["time"] = _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        }));
}
