using CleverCloud.Protocol.Messages;

namespace CleverCloud.Protocol.Dispatching;

/// <summary>Carries protocol messages to another agent (over the XMPP room, secured, in production).</summary>
public interface IMessageSender
{
    ValueTask SendAsync(string recipient, ProtocolMessage message, CancellationToken cancellationToken);
}

/// <summary>What the transport/security layers know about the sender of an inbound message.</summary>
/// <param name="Address">The sender's address replies go back to (a room occupant or a bare JID).</param>
/// <param name="Identity">The sender's authenticated identity (bare JID bound to its certificate), when known.</param>
/// <param name="Role">The sender's certified role ("cm", "hm", "admin"), when the message was signed.</param>
public sealed record InboundContext(string Address, string? Identity = null, string? Role = null);

/// <summary>Decides whether a sender may ask for an operation; returns a failure to refuse, null to allow.</summary>
public interface ICommandAuthorizer
{
    OperationResult? Authorize(CommandRequest request, InboundContext sender);
}

/// <summary>No reply arrived within the request's timeout. Distinct from the caller cancelling.</summary>
public sealed class CommandTimeoutException : TimeoutException
{
    public CommandTimeoutException(string recipient, string operation, string requestId, TimeSpan timeout)
        : base($"no reply from {recipient} to '{operation}' (request {requestId}) within {timeout.TotalSeconds:0.###} s")
    {
        Recipient = recipient;
        Operation = operation;
        RequestId = requestId;
    }

    public string Recipient { get; }
    public string Operation { get; }
    public string RequestId { get; }

    /// <summary>A timeout says nothing about the request's fate: retrying with the same id is safe (replies are cached).</summary>
    public bool IsTransient => true;
}
