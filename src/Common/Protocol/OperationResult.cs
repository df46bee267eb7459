using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleverCloud.Protocol;

/// <summary>
/// The one result shape of every operation, local or remote: success with optional data, or a numbered error with a
/// human-readable message. Never carries a stack trace.
/// </summary>
public sealed class OperationResult
{
    private OperationResult(bool success, ErrorCode code, string? message, JsonNode? data)
    {
        Success = success;
        Code = code;
        Message = message;
        Data = data;
    }

    public bool Success { get; }
    public ErrorCode Code { get; }
    public string? Message { get; }
    public JsonNode? Data { get; }

    public static OperationResult Ok(JsonNode? data = null) => new(true, ErrorCode.None, null, data);

    public static OperationResult Fail(ErrorCode code, string message)
    {
        if (code == ErrorCode.None)
            throw new ArgumentException("A failure needs an error code.", nameof(code));
        return new(false, code, message, null);
    }

    public override string ToString() =>
        Success ? $"ok {Data?.ToJsonString() ?? ""}" : $"error {(int)Code} {Code}: {Message}";
}
