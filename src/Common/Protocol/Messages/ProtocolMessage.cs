using System.Text.Json.Nodes;

namespace CleverCloud.Protocol.Messages;

/// <summary>
/// A command-protocol message: what travels (signed and encrypted, once the security layer wraps it) between the CM,
/// the HMs and the administrator client. One sealed class per wire message kind.
/// </summary>
public abstract class ProtocolMessage
{
    private protected ProtocolMessage(string id)
    {
        if (string.IsNullOrEmpty(id))
            throw new ArgumentException("A message needs an id.", nameof(id));
        Id = id;
    }

    /// <summary>Unique per sender; for requests it is the request id that replies refer to.</summary>
    public string Id { get; }

    public abstract MessageKind Kind { get; }

    /// <summary>Wire version this message was written with; readers accept versions up to <see cref="ProtocolCodec.CurrentVersion"/>.</summary>
    public int Version { get; init; } = ProtocolCodec.CurrentVersion;

    /// <summary>
    /// The intended recipient's bare JID when the message travels through the room (where every member can read it):
    /// a receiver that is not this address drops it.
    /// </summary>
    public string? To { get; init; }
}

public enum MessageKind
{
    Request,
    Reply,
    Event,
}

/// <summary>Asks the receiver to perform an operation (paper Fig. 2, "request").</summary>
public sealed class CommandRequest : ProtocolMessage
{
    public CommandRequest(string id, string operation, JsonObject? arguments = null) : base(id)
    {
        if (string.IsNullOrEmpty(operation))
            throw new ArgumentException("A request needs an operation name.", nameof(operation));
        Operation = operation;
        Arguments = arguments;
    }

    public override MessageKind Kind => MessageKind.Request;
    public string Operation { get; }
    public JsonObject? Arguments { get; }
}

/// <summary>The answer to one request: the operation's result, or a numbered error (paper Fig. 2, "reply or error").</summary>
public sealed class CommandReply : ProtocolMessage
{
    public CommandReply(string id, string inReplyTo, OperationResult result) : base(id)
    {
        if (string.IsNullOrEmpty(inReplyTo))
            throw new ArgumentException("A reply must name the request it answers.", nameof(inReplyTo));
        InReplyTo = inReplyTo;
        Result = result;
    }

    public override MessageKind Kind => MessageKind.Reply;
    public string InReplyTo { get; }
    public OperationResult Result { get; }
}

/// <summary>Something happened that nobody asked about: a VM changed state, a host's load changed.</summary>
public sealed class AgentEvent : ProtocolMessage
{
    public AgentEvent(string id, string name, JsonNode? data = null) : base(id)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("An event needs a name.", nameof(name));
        Name = name;
        Data = data;
    }

    public override MessageKind Kind => MessageKind.Event;
    public string Name { get; }
    public JsonNode? Data { get; }
}
