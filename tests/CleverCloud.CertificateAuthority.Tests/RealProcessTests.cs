using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Tests.Support;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;
using CleverCloud.TestSupport.Ldap;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>The real clever-ca process and its admin CLI, publishing to a real slapd, checked with ldapsearch.</summary>
[TestFixture]
[Category("Integration")]
public sealed class RealProcessTests
{
    private SlapdServer slapd = null!;
    private CaProcess ca = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        slapd = await SlapdServer.StartNewAsync();
        ca = await CaProcess.StartAsync(slapd);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (TestContext.CurrentContext.Result.FailCount > 0)
        {
            TestContext.Progress.WriteLine(ca.Output);
        }
        await ca.DisposeAsync();
        await slapd.DisposeAsync();
    }

    private async Task<ScepClient> PinnedClientAsync()
    {
        var fingerprint = await ca.RunCliAsync("fingerprint");
        Assert.That(fingerprint.ExitCode, Is.EqualTo(0), fingerprint.StandardError);
        return new ScepClient(CaTestHost.Http, ca.Endpoint, NullLogger<ScepClient>.Instance)
        {
            TrustAnchor = ScepTrustAnchor.FromSha256Fingerprint(fingerprint.StandardOutput.Trim()),
        };
    }

    private async Task<string> CreateChallengeAsync(string role, string address)
    {
        var created = await ca.RunCliAsync("challenge", "create", "--role", role, "--address", address, "--ttl", "1h");
        Assert.That(created.ExitCode, Is.EqualTo(0), created.StandardError);
        return created.StandardOutput.Trim();
    }

    [Test]
    public async Task ACliChallengeEnrollsAndLdapsearchFindsTheIssuedCertificate()
    {
        const string address = "hm-process@clever.test";
        var challenge = await CreateChallengeAsync("hm", address);
        var client = await PinnedClientAsync();

        using var issued = await client.EnrollAsync(
            new EnrollmentRequest { XmppAddress = address, Role = AgentRole.HostManager, ChallengePassword = challenge }, CancellationToken.None);

        using var caCertificate = ca.LoadCaCertificate();
        Assert.Multiple(async () =>
        {
            Assert.That(CertificateChecks.ChainProblems(issued, caCertificate), Is.Empty);
            Assert.That(CertificateIdentity.Read(issued), Is.EqualTo(((string?)address, (AgentRole?)AgentRole.HostManager)));
            Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.EqualTo(issued.RawData));
        });
    }

    [Test]
    public async Task CliRevocationRemovesTheLdapEntryAndPublishesTheCrl()
    {
        const string address = "hm-revoked-process@clever.test";
        var challenge = await CreateChallengeAsync("hm", address);
        var client = await PinnedClientAsync();
        using var issued = await client.EnrollAsync(
            new EnrollmentRequest { XmppAddress = address, Role = AgentRole.HostManager, ChallengePassword = challenge }, CancellationToken.None);
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.Not.Null);

        var revoked = await ca.RunCliAsync("revoke", "--address", address, "--reason", "keyCompromise");

        Assert.That(revoked.ExitCode, Is.EqualTo(0), revoked.StandardError);
        Assert.That(revoked.StandardOutput, Does.Contain(issued.SerialNumber));
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.Null, "entry removed from LDAP");
        var crl = await LdapChecks.PublishedCrlAsync(slapd);
        Assert.That(crl, Is.Not.Null);
        Assert.That(CertificateChecks.RevokedSerials(crl!), Does.Contain(issued.SerialNumber));
        var served = await CaTestHost.Http.GetByteArrayAsync(new Uri(ca.BaseUri, "/crl"));
        Assert.That(CertificateChecks.RevokedSerials(served), Does.Contain(issued.SerialNumber), "the running service serves the CLI's CRL");
    }

    [Test]
    public async Task CliRejectsBadArgumentsWithUsageAndNonZeroExit()
    {
        var badRole = await ca.RunCliAsync("challenge", "create", "--role", "emperor", "--address", "x@clever.test");
        var unknownApproval = await ca.RunCliAsync("approve", "NO-SUCH-TRANSACTION");
        var unknownSerial = await ca.RunCliAsync("revoke", "--serial", "0123456789ABCDEF");

        Assert.Multiple(() =>
        {
            Assert.That(badRole.ExitCode, Is.EqualTo(1));
            Assert.That(badRole.StandardError, Does.Contain("--role"));
            Assert.That(unknownApproval.ExitCode, Is.EqualTo(2));
            Assert.That(unknownApproval.StandardError, Does.Contain("NO-SUCH-TRANSACTION"));
            Assert.That(unknownSerial.ExitCode, Is.EqualTo(2));
            Assert.That(unknownSerial.StandardError, Does.Contain("0123456789ABCDEF"));
        });
    }
}

/// <summary>Manual approval with the real process: PKCSReq → PENDING, <c>clever-ca pending</c> / <c>approve</c>, CertPoll issues.</summary>
[TestFixture]
[Category("Integration")]
public sealed class ManualApprovalProcessTests
{
    private SlapdServer slapd = null!;
    private CaProcess ca = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        slapd = await SlapdServer.StartNewAsync();
        ca = await CaProcess.StartAsync(slapd, new Dictionary<string, object> { ["ManualApproval"] = true });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await ca.DisposeAsync();
        await slapd.DisposeAsync();
    }

    [Test]
    public async Task TheAdministratorApprovesWithTheCliAndTheNextCertPollIssues()
    {
        const string address = "cm-approved@clever.test";
        var created = await ca.RunCliAsync("challenge", "create", "--role", "cm", "--address", address);
        Assert.That(created.ExitCode, Is.EqualTo(0), created.StandardError);
        using var caCertificate = ca.LoadCaCertificate();
        var client = new ScepClient(CaTestHost.Http, ca.Endpoint, NullLogger<ScepClient>.Instance) { TrustAnchor = ScepTrustAnchor.FromCertificate(caCertificate) };
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var transactionId = ScepClient.TransactionIdFor(key);
        var enrollment = client.EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.ClusterManager, ChallengePassword = created.StandardOutput.Trim(), Key = key,
            PollInterval = TimeSpan.FromMilliseconds(300), MaxWait = TimeSpan.FromMinutes(5),
        }, CancellationToken.None);

        var listed = "";
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!listed.Contains(transactionId, StringComparison.Ordinal) && DateTime.UtcNow < deadline && !enrollment.IsCompleted)
        {
            listed = (await ca.RunCliAsync("pending")).StandardOutput;
        }
        Assert.That(listed, Does.Contain(transactionId).And.Contain("AwaitingApproval").And.Contain(address));
        Assert.That(enrollment.IsCompleted, Is.False);
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.Null, "nothing published before approval");

        var approved = await ca.RunCliAsync("approve", transactionId);
        Assert.That(approved.ExitCode, Is.EqualTo(0), approved.StandardError);
        using var issued = await enrollment;

        Assert.That(CertificateIdentity.Read(issued), Is.EqualTo(((string?)address, (AgentRole?)AgentRole.ClusterManager)));
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.EqualTo(issued.RawData));
    }
}
