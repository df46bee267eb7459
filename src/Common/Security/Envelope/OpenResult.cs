using System.Security.Cryptography.X509Certificates;
using System.Diagnostics.CodeAnalysis;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;

namespace CleverCloud.Security.Envelope;

/// <summary>The outcome of opening an envelope: either an <see cref="OpenedEnvelope"/> or a numbered rejection.</summary>
public sealed class OpenResult
{
    private OpenResult(OpenedEnvelope? envelope, ErrorCode error, string? reason)
    {
        Envelope = envelope;
        Error = error;
        Reason = reason;
    }

    [MemberNotNullWhen(true, nameof(Envelope))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsAccepted => Envelope is not null;

    /// <summary>The verified envelope; null when rejected (a rejected payload is never handed out).</summary>
    public OpenedEnvelope? Envelope { get; }

    /// <summary><see cref="ErrorCode.None"/> when accepted, otherwise the 2xx reason.</summary>
    public ErrorCode Error { get; }

    public string? Reason { get; }

    internal static OpenResult Accepted(OpenedEnvelope envelope) => new(envelope, ErrorCode.None, null);

    internal static OpenResult Rejected(ErrorCode error, string reason) => new(null, error, reason);

    public override string ToString() => IsAccepted
        ? $"accepted {Envelope.Header.Type.ToWire()} {Envelope.Header.MessageId} from {Envelope.Header.Sender}"
        : $"rejected {Error} ({(int)Error}): {Reason}";
}

/// <summary>A signed presence that passed every check (paper §V-A: "the status of alice is signed with her private key").</summary>
public sealed record SignedPresence(
    string Sender,
    AgentRole SenderRole,
    string Availability,
    string LoadJson,
    DateTimeOffset Timestamp,
    X509Certificate2 SignerCertificate);

/// <summary>The outcome of verifying a signed presence.</summary>
public sealed class PresenceResult
{
    private PresenceResult(SignedPresence? presence, ErrorCode error, string? reason)
    {
        Presence = presence;
        Error = error;
        Reason = reason;
    }

    [MemberNotNullWhen(true, nameof(Presence))]
    [MemberNotNullWhen(false, nameof(Reason))]
    public bool IsAccepted => Presence is not null;

    public SignedPresence? Presence { get; }

    public ErrorCode Error { get; }

    public string? Reason { get; }

    internal static PresenceResult Accepted(SignedPresence presence) => new(presence, ErrorCode.None, null);

    internal static PresenceResult Rejected(ErrorCode error, string reason) => new(null, error, reason);
}
