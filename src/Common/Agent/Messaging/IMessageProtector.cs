using System.Xml.Linq;
using CleverCloud.Protocol;

namespace CleverCloud.Agent.Messaging;

/// <summary>Where an outbound protocol message goes and what it is, for the protection layer to bind into it.</summary>
/// <param name="Recipient">Room occupant (room@muc/nick), the room itself (groupchat), or a bare/full JID.</param>
/// <param name="IsRoomTraffic">True when the message travels through the room (room key); false for one-to-one.</param>
/// <param name="ResultCode">For replies: the outcome being reported (kept in the non-repudiation audit log).</param>
/// <param name="InReplyTo">For replies: the request answered.</param>
public sealed record OutboundEnvelope(string Recipient, string MessageId, string Kind, bool IsRoomTraffic, string? RecipientIdentity,
    CleverCloud.Protocol.ErrorCode? ResultCode = null, string? InReplyTo = null);

/// <summary>The outcome of opening an inbound message: its payload and who provably sent it, or why it was refused.</summary>
public sealed record UnprotectResult(bool Accepted, ReadOnlyMemory<byte> Payload, string? Identity, string? Role, ErrorCode Code, string? Reason)
{
    /// <summary>Accepted and fully handled by the protection layer itself (a room key was installed): nothing to dispatch.</summary>
    public bool Consumed { get; init; }

    public static UnprotectResult Handled(string? identity) =>
        new(true, default, identity, null, ErrorCode.None, null) { Consumed = true };

    public static UnprotectResult Accept(ReadOnlyMemory<byte> payload, string? identity, string? role) =>
        new(true, payload, identity, role, ErrorCode.None, null);

    public static UnprotectResult Reject(ErrorCode code, string reason) =>
        new(false, default, null, null, code, reason);
}

/// <summary>
/// Turns protocol bytes into the child elements of an XMPP message and back. The secured implementation signs and
/// encrypts (paper §V-A: Signed, Encrypted, Session Key, Timestamp); the plaintext one exists for benchmarking the
/// protocol's own cost and for development, and must be chosen explicitly.
/// </summary>
public interface IMessageProtector
{
    bool IsSecured { get; }

    ValueTask<IReadOnlyList<XElement>> ProtectAsync(OutboundEnvelope envelope, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <param name="message">The whole received message stanza.</param>
    /// <param name="senderIdentity">The sender's real bare JID (from the non-anonymous room's occupant list, or the stanza's from).</param>
    /// <param name="senderAddress">The address the stanza came from (occupant or full JID).</param>
    /// <param name="recipient">Our own address as the sender must have addressed it (room or bare JID).</param>
    ValueTask<UnprotectResult> UnprotectAsync(XElement message, string? senderIdentity, string senderAddress, string recipient, CancellationToken cancellationToken);

    /// <summary>True when the message carries this protector's payload at all (other messages are not ours to judge).</summary>
    bool CarriesPayload(XElement message);
}
