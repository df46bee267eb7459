using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Certificates;

/// <summary>
/// Finds and validates a peer's certificate by its XMPP address (bare JID). Implemented over LDAP with a cache,
/// chain validation against the cluster CA and the CRL. The secure-messaging layer depends only on this.
/// </summary>
public interface IPeerCertificateResolver
{
    /// <summary>
    /// Returns the peer's validated certificate with its role, or a failure saying why (unknown, expired, revoked,
    /// untrusted). Never throws for an ordinary rejection; throws only when the directory itself cannot be reached.
    /// </summary>
    ValueTask<PeerCertificateResult> ResolveAsync(string bareJid, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets what is cached for one address, so the next resolution reads the directory (e.g. when a peer joins and
    /// may have enrolled again since). Resolvers without a cache need not do anything.
    /// </summary>
    void Invalidate(string bareJid)
    {
    }

    /// <summary>
    /// Fetches the CRL now, whatever the refresh interval; results cached against the previous CRL are dropped only
    /// when it changed. Resolvers without a CRL need not do anything.
    /// </summary>
    Task RefreshCrlAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public enum PeerCertificateStatus
{
    Valid,
    Unknown,
    Expired,
    Revoked,
    Untrusted,
    AddressMismatch,
}

public sealed record PeerCertificateResult(
    PeerCertificateStatus Status,
    X509Certificate2? Certificate,
    AgentRole? Role,
    string? Reason)
{
    public bool IsValid => Status == PeerCertificateStatus.Valid;

    public static PeerCertificateResult Valid(X509Certificate2 certificate, AgentRole role) =>
        new(PeerCertificateStatus.Valid, certificate, role, null);

    public static PeerCertificateResult Rejected(PeerCertificateStatus status, string reason) =>
        new(status, null, null, reason);
}
