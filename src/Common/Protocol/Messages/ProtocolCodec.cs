using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleverCloud.Protocol.Messages;

/// <summary>
/// Reads and writes protocol messages as compact UTF-8 JSON. Written by hand over Utf8JsonWriter/JsonDocument rather
/// than through a serializer so that every malformed input maps to a precise numbered error and so that the agents stay
/// NativeAOT-friendly.
/// <code>
/// {"v":1,"kind":"request","id":"r1","op":"vm.start","args":{"name":"web1"}}
/// {"v":1,"kind":"reply","id":"p1","re":"r1","ok":true,"data":{...}}
/// {"v":1,"kind":"reply","id":"p2","re":"r1","ok":false,"code":400,"error":"no VM named 'web1'"}
/// {"v":1,"kind":"event","id":"e1","event":"vm.lifecycle","data":{...}}
/// </code>
/// </summary>
public static class ProtocolCodec
{
    public const int CurrentVersion = 1;

    /// <summary>Default cap on an encoded message; a larger one is refused before parsing.</summary>
    public const int DefaultMaxMessageBytes = 256 * 1024;

    private const int MaxIdLength = 128;
    private const int MaxNameLength = 128;
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    /// <param name="to">The intended recipient's bare JID, bound into the message (signed with it when secured), or null.</param>
    public static byte[] Encode(ProtocolMessage message, string? to = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Encode(message, buffer, to);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Encode(ProtocolMessage message, IBufferWriter<byte> output, string? to = null)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteNumber("v", message.Version);
        if (to is not null)
            writer.WriteString("to", to);
        switch (message)
        {
            case CommandRequest request:
                writer.WriteString("kind", "request");
                writer.WriteString("id", request.Id);
                writer.WriteString("op", request.Operation);
                if (request.Arguments is not null)
                {
                    writer.WritePropertyName("args");
                    request.Arguments.WriteTo(writer);
                }
                break;
            case CommandReply reply:
                writer.WriteString("kind", "reply");
                writer.WriteString("id", reply.Id);
                writer.WriteString("re", reply.InReplyTo);
                writer.WriteBoolean("ok", reply.Result.Success);
                if (reply.Result.Success)
                {
                    if (reply.Result.Data is not null)
                    {
                        writer.WritePropertyName("data");
                        reply.Result.Data.WriteTo(writer);
                    }
                }
                else
                {
                    writer.WriteNumber("code", (int)reply.Result.Code);
                    writer.WriteString("error", reply.Result.Message);
                }
                break;
            case AgentEvent agentEvent:
                writer.WriteString("kind", "event");
                writer.WriteString("id", agentEvent.Id);
                writer.WriteString("event", agentEvent.Name);
                if (agentEvent.Data is not null)
                {
                    writer.WritePropertyName("data");
                    agentEvent.Data.WriteTo(writer);
                }
                break;
            default:
                throw new ArgumentException($"Unknown message type {message.GetType().Name}.", nameof(message));
        }
        writer.WriteEndObject();
    }

    /// <exception cref="ProtocolFormatException">The bytes are not a valid protocol message.</exception>
    public static ProtocolMessage Decode(ReadOnlySpan<byte> utf8, int maxMessageBytes = DefaultMaxMessageBytes)
    {
        if (utf8.Length > maxMessageBytes)
            throw new ProtocolFormatException(ErrorCode.PayloadTooLarge,
                $"message of {utf8.Length} bytes exceeds the limit of {maxMessageBytes}");

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(utf8, documentOptions: DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new ProtocolFormatException(ErrorCode.MalformedMessage, $"not valid JSON: {ex.Message}");
        }

        if (root is not JsonObject obj)
            throw new ProtocolFormatException(ErrorCode.MalformedMessage, "a message must be a JSON object");

        var version = ReadInt(obj, "v") ?? throw Missing("v");
        if (version < 1 || version > CurrentVersion)
            throw new ProtocolFormatException(ErrorCode.UnsupportedVersion,
                $"protocol version {version} is not supported (this agent speaks 1..{CurrentVersion})");

        var kind = ReadString(obj, "kind", MaxNameLength) ?? throw Missing("kind");
        var id = ReadString(obj, "id", MaxIdLength) ?? throw Missing("id");
        var to = ReadString(obj, "to", 3071);

        switch (kind)
        {
            case "request":
            {
                var operation = ReadString(obj, "op", MaxNameLength) ?? throw Missing("op");
                var args = obj["args"];
                if (args is not null and not JsonObject)
                    throw new ProtocolFormatException(ErrorCode.MalformedMessage, "'args' must be an object");
                return new CommandRequest(id, operation, Detach(args) as JsonObject) { Version = version, To = to };
            }
            case "reply":
            {
                var inReplyTo = ReadString(obj, "re", MaxIdLength) ?? throw Missing("re");
                var ok = ReadBool(obj, "ok") ?? throw Missing("ok");
                OperationResult result;
                if (ok)
                {
                    result = OperationResult.Ok(Detach(obj["data"]));
                }
                else
                {
                    var code = ReadInt(obj, "code") ?? throw Missing("code");
                    if (code == 0)
                        throw new ProtocolFormatException(ErrorCode.MalformedMessage, "a failed reply needs a non-zero code");
                    var error = ReadString(obj, "error", 64 * 1024) ?? "";
                    result = OperationResult.Fail((ErrorCode)code, error);
                }
                return new CommandReply(id, inReplyTo, result) { Version = version, To = to };
            }
            case "event":
            {
                var name = ReadString(obj, "event", MaxNameLength) ?? throw Missing("event");
                return new AgentEvent(id, name, Detach(obj["data"])) { Version = version, To = to };
            }
            default:
                throw new ProtocolFormatException(ErrorCode.MalformedMessage, $"unknown message kind '{kind}'");
        }
    }

    private static JsonNode? Detach(JsonNode? node)
    {
        // A node can belong to one parent only: take it out of the parsed document before handing it on.
        if (node?.Parent is JsonObject parent)
        {
            var name = node.GetPropertyName();
            parent.Remove(name);
        }
        return node;
    }

    private static ProtocolFormatException Missing(string property) =>
        new(ErrorCode.MalformedMessage, $"missing or invalid '{property}'");

    private static string? ReadString(JsonObject obj, string property, int maxLength)
    {
        if (!obj.TryGetPropertyValue(property, out var node) || node is null)
            return null;
        if (node.GetValueKind() != JsonValueKind.String)
            throw new ProtocolFormatException(ErrorCode.MalformedMessage, $"'{property}' must be a string");
        var value = node.GetValue<string>();
        if (value.Length == 0)
            throw new ProtocolFormatException(ErrorCode.MalformedMessage, $"'{property}' must not be empty");
        if (value.Length > maxLength)
            throw new ProtocolFormatException(ErrorCode.MalformedMessage, $"'{property}' is longer than {maxLength} characters");
        return value;
    }

    private static int? ReadInt(JsonObject obj, string property)
    {
        if (!obj.TryGetPropertyValue(property, out var node) || node is null)
            return null;
        if (node.GetValueKind() != JsonValueKind.Number || !node.AsValue().TryGetValue<int>(out var value))
            throw new ProtocolFormatException(ErrorCode.MalformedMessage, $"'{property}' must be an integer");
        return value;
    }

    private static bool? ReadBool(JsonObject obj, string property)
    {
        if (!obj.TryGetPropertyValue(property, out var node) || node is null)
            return null;
        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ProtocolFormatException(ErrorCode.MalformedMessage, $"'{property}' must be true or false"),
        };
    }
}

/// <summary>The bytes received are not a protocol message this agent can read.</summary>
public sealed class ProtocolFormatException : Exception
{
    public ProtocolFormatException(ErrorCode code, string message) : base(message) => Code = code;

    public ErrorCode Code { get; }
}
