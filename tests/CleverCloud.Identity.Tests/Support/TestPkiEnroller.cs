using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Bootstrap;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Identity.Tests.Support;

/// <summary>An enroller that has the test CA issue what was asked (or what the test says), counting calls.</summary>
public sealed class TestPkiEnroller(TestPki pki) : ICertificateEnroller
{
    private int enrollments;
    private int renewals;

    public int Enrollments => Volatile.Read(ref enrollments);

    public int Renewals => Volatile.Read(ref renewals);

    /// <summary>Fail this many calls first with a transient EnrollmentException (CA unreachable).</summary>
    public int TransientFailures { get; set; }

    /// <summary>Fail every call with a non-transient EnrollmentException (CA rejected).</summary>
    public bool Reject { get; set; }

    /// <summary>Issue for this address instead of the requested one (a misbehaving CA).</summary>
    public string? IssueForAddress { get; set; }

    /// <summary>Issue from this CA instead (a CA that is not the configured trust anchor).</summary>
    public TestPki? IssueFrom { get; set; }

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(30);

    public string? LastChallenge { get; private set; }

    public Task<X509Certificate2> EnrollAsync(string xmppAddress, AgentRole role, string challenge, AsymmetricAlgorithm key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref enrollments);
        LastChallenge = challenge;
        return Task.FromResult(IssueOrFail(xmppAddress, role, key));
    }

    public Task<X509Certificate2> RenewAsync(X509Certificate2 currentWithKey, AsymmetricAlgorithm newKey, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref renewals);
        var (address, role) = CertificateIdentity.Read(currentWithKey);
        return Task.FromResult(IssueOrFail(address!, role!.Value, newKey));
    }

    private X509Certificate2 IssueOrFail(string address, AgentRole role, AsymmetricAlgorithm key)
    {
        if (Reject)
        {
            throw new EnrollmentException("The CA rejected the request: badRequest.", isTransient: false);
        }
        if (TransientFailures > 0)
        {
            TransientFailures--;
            throw new EnrollmentException("The CA cannot be reached.", isTransient: true);
        }
        var now = DateTimeOffset.UtcNow;
        return (IssueFrom ?? pki).Issue(IssueForAddress ?? address, role, now.AddMinutes(-1), now + Lifetime, key);
    }
}
