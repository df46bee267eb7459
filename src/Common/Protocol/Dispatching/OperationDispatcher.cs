using System.Text.Json.Nodes;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Protocol.Dispatching;

/// <summary>
/// Paper Fig. 2/3: check whether the requested operation can be performed (known, available here, arguments valid),
/// perform it, and map every kind of failure to one <see cref="OperationResult"/> shape.
/// </summary>
public sealed partial class OperationDispatcher
{
    private readonly OperationRegistry _registry;
    private readonly ILogger<OperationDispatcher> _logger;

    public OperationDispatcher(OperationRegistry registry, ILogger<OperationDispatcher> logger)
    {
        _registry = registry;
        _logger = logger;
    }

    public OperationRegistry Registry => _registry;

    public async Task<OperationResult> DispatchAsync(
        string operationName, JsonObject? arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!_registry.TryGet(operationName, out var operation))
        {
            LogUnknownOperation(context.RequestId, operationName, context.Sender);
            return OperationResult.Fail(ErrorCode.UnknownOperation, $"unknown operation '{operationName}'");
        }

        var availability = operation.CheckAvailability();
        if (!availability.IsAvailable)
        {
            LogUnavailable(context.RequestId, operationName, availability.Reason ?? "");
            return OperationResult.Fail(ErrorCode.OperationUnavailable,
                $"operation '{operationName}' is not available on this host: {availability.Reason}");
        }

        arguments ??= new JsonObject();
        var invalid = ArgumentValidator.Validate(operation.Parameters, arguments);
        if (invalid is not null)
        {
            LogInvalidArguments(context.RequestId, operationName, invalid);
            return OperationResult.Fail(ErrorCode.InvalidArguments, invalid);
        }

        try
        {
            var result = await operation.ExecuteAsync(arguments, context, cancellationToken).ConfigureAwait(false);
            if (result.Success)
                LogExecuted(context.RequestId, operationName);
            else
                LogFailed(context.RequestId, operationName, (int)result.Code, result.Message ?? "");
            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(context.RequestId, operationName);
            return OperationResult.Fail(ErrorCode.RequestCancelled, $"operation '{operationName}' was cancelled");
        }
        catch (Exception ex)
        {
            // Never a stack trace on the wire: the log keeps it, the caller gets a numbered error.
            LogCrashed(ex, context.RequestId, operationName);
            return OperationResult.Fail(ErrorCode.InternalError, $"operation '{operationName}' failed: {ex.Message}");
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Request {RequestId}: unknown operation '{Operation}' from {Sender}")]
    private partial void LogUnknownOperation(string requestId, string operation, string sender);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Request {RequestId}: operation '{Operation}' unavailable here: {Reason}")]
    private partial void LogUnavailable(string requestId, string operation, string reason);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Request {RequestId}: invalid arguments for '{Operation}': {Reason}")]
    private partial void LogInvalidArguments(string requestId, string operation, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Request {RequestId}: '{Operation}' succeeded")]
    private partial void LogExecuted(string requestId, string operation);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "Request {RequestId}: '{Operation}' failed with {Code}: {Reason}")]
    private partial void LogFailed(string requestId, string operation, int code, string reason);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Request {RequestId}: '{Operation}' cancelled")]
    private partial void LogCancelled(string requestId, string operation);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Error, Message = "Request {RequestId}: '{Operation}' threw")]
    private partial void LogCrashed(Exception exception, string requestId, string operation);
}
