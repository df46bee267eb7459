using CleverCloud.Identity.Certificates;

namespace CleverCloud.CertificateAuthority.State;

/// <summary>A one-time challenge as stored: only the SHA-256 of the password is kept.</summary>
public sealed record ChallengeBinding(string Id, string Address, AgentRole Role, DateTimeOffset ExpiresAt);

public enum RequestKind
{
    Enrollment,
    Renewal,
}

public enum PendingState
{
    /// <summary>Manual approval mode: waiting for <c>clever-ca approve</c>.</summary>
    AwaitingApproval,

    /// <summary>Approved; issued at the requester's next CertPoll.</summary>
    Approved,

    /// <summary>Valid request whose certificate could not be published (directory down); retried at CertPoll.</summary>
    AwaitingDirectory,
}

/// <summary>A request that was answered PENDING; everything needed to finish it at a later CertPoll.</summary>
public sealed record PendingRequest(
    string TransactionId,
    RequestKind Kind,
    PendingState State,
    string Address,
    AgentRole Role,
    byte[] SigningRequest,
    byte[] RequesterCertificate,
    string? ChallengeId,
    DateTimeOffset CreatedAt);

/// <summary>An issued certificate in the CA index.</summary>
public sealed record IssuedCertificate(
    string Serial,
    string Address,
    AgentRole Role,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    byte[] Der,
    string TransactionId,
    DateTimeOffset? RevokedAt,
    string? RevocationReason);

public enum ChallengeCheck
{
    Reserved,
    Unknown,
    Expired,
    AlreadyUsed,
    InUseByAnotherTransaction,
    BindingMismatch,
}
