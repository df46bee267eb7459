using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Security.Tests.Support;

/// <summary>The LDAP resolver's in-memory stand-in: JID → certificate, with a settable status per JID.</summary>
public sealed class InMemoryResolver : IPeerCertificateResolver
{
    private readonly ConcurrentDictionary<string, PeerCertificateResult> _entries = new(StringComparer.Ordinal);

    public int Lookups;

    public void Publish(string bareJid, X509Certificate2 certificate)
    {
        var (_, role) = CertificateIdentity.Read(certificate);
        _entries[bareJid] = role is { } known
            ? PeerCertificateResult.Valid(certificate, known)
            : PeerCertificateResult.Rejected(PeerCertificateStatus.Untrusted, "no role");
    }

    /// <summary>Publishes a certificate under any address and role, as a buggy or compromised directory might.</summary>
    public void PublishAs(string bareJid, X509Certificate2 certificate, AgentRole role) =>
        _entries[bareJid] = PeerCertificateResult.Valid(certificate, role);

    public void SetStatus(string bareJid, PeerCertificateStatus status) =>
        _entries[bareJid] = PeerCertificateResult.Rejected(status, $"test says {status}");

    public ValueTask<PeerCertificateResult> ResolveAsync(string bareJid, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Lookups);
        return ValueTask.FromResult(_entries.TryGetValue(bareJid, out var result)
            ? result
            : PeerCertificateResult.Rejected(PeerCertificateStatus.Unknown, "not in directory"));
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset now) => _now = now;
}
