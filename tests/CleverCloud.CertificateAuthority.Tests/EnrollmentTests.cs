using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Tests.Support;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>Enrollment, renewal and CRL retrieval through the real SCEP endpoint (in-process host, loopback HTTP).</summary>
[TestFixture]
public sealed class EnrollmentTests
{
    private readonly InMemoryCertificateDirectory directory = new();
    private CaTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartCa() => host = await CaTestHost.StartAsync(directory);

    [OneTimeTearDown]
    public async Task StopCa() => await host.DisposeAsync();

    private static IEnumerable<TestCaseData> RolesAndKeys()
    {
        foreach (var role in new[] { AgentRole.ClusterManager, AgentRole.HostManager, AgentRole.Administrator })
        {
            yield return new TestCaseData(role, "ecdsa").SetName($"Enroll_{role}_Ecdsa");
            yield return new TestCaseData(role, "rsa").SetName($"Enroll_{role}_Rsa");
        }
    }

    [TestCaseSource(nameof(RolesAndKeys))]
    public async Task EnrollIssuesACertificateBoundToTheChallengeAddressAndRole(AgentRole role, string keyKind)
    {
        var address = $"{role.ToWire()}-{keyKind}-{Guid.NewGuid():N}@clever.test";
        var challenge = host.Core.CreateChallenge(address, role, TimeSpan.FromHours(1));
        using AsymmetricAlgorithm key = keyKind == "rsa" ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var countBefore = host.Store.CountCertificates();

        using var issued = await host.CreateClient().EnrollAsync(
            new EnrollmentRequest { XmppAddress = address, Role = role, ChallengePassword = challenge, Key = key }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(CertificateChecks.ChainProblems(issued, host.Core.Credentials.CaCertificate), Is.Empty);
            Assert.That(CertificateIdentity.Read(issued), Is.EqualTo(((string?)address, (AgentRole?)role)));
            Assert.That(issued.HasPrivateKey, Is.True);
            Assert.That(issued.GetNameInfo(X509NameType.SimpleName, false), Is.EqualTo(address));
            var usage = issued.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages;
            Assert.That(usage, Is.EqualTo(keyKind == "rsa"
                ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment
                : X509KeyUsageFlags.DigitalSignature));
            Assert.That(issued.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(oid => oid.Value),
                Is.EqualTo(new[] { "1.3.6.1.5.5.7.3.2" }));
            Assert.That(issued.Extensions.OfType<X509SubjectKeyIdentifierExtension>(), Has.Exactly(1).Items);
            Assert.That(issued.Extensions.OfType<X509AuthorityKeyIdentifierExtension>(), Has.Exactly(1).Items);
            Assert.That(issued.SerialNumberBytes.Length, Is.EqualTo(16));
            Assert.That(directory.Certificates[address], Is.EqualTo(issued.RawData), "published to the directory byte for byte");
            Assert.That(host.Store.CountCertificates(), Is.EqualTo(countBefore + 1));
            Assert.That(host.Store.FindBySerial(issued.SerialNumber)?.Der, Is.EqualTo(issued.RawData));
        });
    }

    [Test]
    public async Task GetCaCertificatesReturnsThePinnedCaAndAnRsaRa()
    {
        var certificates = await host.CreateClient().GetCaCertificatesAsync(CancellationToken.None);

        Assert.That(certificates, Has.Count.EqualTo(2));
        Assert.That(certificates[0].RawData, Is.EqualTo(host.Core.Credentials.CaCertificate.RawData));
        using var raKey = certificates[1].GetRSAPublicKey();
        Assert.That(raKey?.KeySize, Is.EqualTo(2048));
        Assert.That(certificates[1].Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages,
            Is.EqualTo(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature));
    }

    [Test]
    public async Task CapabilitiesAdvertiseTheRfc8894Set()
    {
        var capabilities = await host.CreateClient().GetCapabilitiesAsync(CancellationToken.None);

        Assert.That(capabilities.Keywords, Is.SupersetOf(new[] { "POSTPKIOperation", "SHA-256", "SHA-512", "AES", "SCEPStandard", "Renewal" }));
    }

    [Test]
    public async Task AClientPinnedToAnotherCaRefusesThisOne()
    {
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCa = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var client = new ScepClient(CaTestHost.Http, host.Endpoint, Microsoft.Extensions.Logging.Abstractions.NullLogger<ScepClient>.Instance)
        {
            TrustAnchor = ScepTrustAnchor.FromCertificate(otherCa),
        };

        var failure = Assert.ThrowsAsync<ScepException>(() => client.GetCaCertificatesAsync(CancellationToken.None));
        Assert.That(failure!.IsTransient, Is.False);
        Assert.That(failure.Message, Does.Contain("pinned"));
    }

    [TestCase("ecdsa")]
    [TestCase("rsa")]
    public async Task RenewalReqSignedWithTheCurrentCertificateIssuesANewOne(string keyKind)
    {
        var address = $"renew-{keyKind}-{Guid.NewGuid():N}@clever.test";
        var client = host.CreateClient();
        using AsymmetricAlgorithm oldKey = keyKind == "rsa" ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var current = await client.EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.HostManager, Key = oldKey,
            ChallengePassword = host.Core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1)),
        }, CancellationToken.None);
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var renewed = await client.RenewAsync(current, newKey, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(renewed.SerialNumber, Is.Not.EqualTo(current.SerialNumber));
            Assert.That(CertificateIdentity.Read(renewed), Is.EqualTo(((string?)address, (AgentRole?)AgentRole.HostManager)));
            Assert.That(renewed.GetECDsaPublicKey()!.ExportSubjectPublicKeyInfo(), Is.EqualTo(newKey.ExportSubjectPublicKeyInfo()));
            Assert.That(CertificateChecks.ChainProblems(renewed, host.Core.Credentials.CaCertificate), Is.Empty);
            Assert.That(directory.Certificates[address], Is.EqualTo(renewed.RawData), "the directory now holds the renewed certificate");
        });
    }

    [Test]
    public async Task RenewalWithARevokedCertificateIsRefused()
    {
        var address = $"renew-revoked-{Guid.NewGuid():N}@clever.test";
        var client = host.CreateClient();
        using var current = await client.EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.HostManager,
            ChallengePassword = host.Core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1)),
        }, CancellationToken.None);
        await host.Core.RevokeAsync(current.SerialNumber, X509RevocationReason.KeyCompromise, CancellationToken.None);
        var countBefore = host.Store.CountCertificates();
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var failure = Assert.ThrowsAsync<ScepException>(() => client.RenewAsync(current, newKey, CancellationToken.None));

        Assert.That(failure!.FailInfo, Is.EqualTo(ScepFailInfo.BadRequest));
        Assert.That(host.Store.CountCertificates(), Is.EqualTo(countBefore));
    }

    [Test]
    public async Task GetCrlAfterRevocationListsTheSerialAndTheDirectoryEntryIsGone()
    {
        var address = $"revoked-{Guid.NewGuid():N}@clever.test";
        var client = host.CreateClient();
        using var victim = await client.EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.HostManager,
            ChallengePassword = host.Core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1)),
        }, CancellationToken.None);
        var askerAddress = $"asker-{Guid.NewGuid():N}@clever.test";
        using var asker = await client.EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = askerAddress, Role = AgentRole.ClusterManager,
            ChallengePassword = host.Core.CreateChallenge(askerAddress, AgentRole.ClusterManager, TimeSpan.FromHours(1)),
        }, CancellationToken.None);

        var result = await host.Core.RevokeAsync(victim.SerialNumber, X509RevocationReason.KeyCompromise, CancellationToken.None);
        var crlOverScep = await client.GetCrlAsync(asker, CancellationToken.None);
        var crlOverHttp = await CaTestHost.Http.GetByteArrayAsync(new Uri(host.BaseUri, "/crl"));

        Assert.Multiple(() =>
        {
            Assert.That(result.CrlPublished && result.DirectoryEntryRemoved, Is.True);
            Assert.That(CertificateChecks.RevokedSerials(crlOverScep), Does.Contain(victim.SerialNumber));
            Assert.That(CertificateChecks.RevokedSerials(crlOverScep), Does.Not.Contain(asker.SerialNumber));
            Assert.That(crlOverHttp, Is.EqualTo(crlOverScep));
            Assert.That(directory.Crl, Is.EqualTo(crlOverScep), "the same CRL was published to the directory");
            Assert.That(directory.Certificates.ContainsKey(address), Is.False, "the revoked entry was removed");
            Assert.That(directory.Certificates.ContainsKey(askerAddress), Is.True);
        });
    }
}

/// <summary>Manual approval mode: PKCSReq → PENDING, administrator approves, CertPoll returns the certificate.</summary>
[TestFixture]
public sealed class ManualApprovalTests
{
    private readonly InMemoryCertificateDirectory directory = new();
    private CaTestHost host = null!;

    [OneTimeSetUp]
    public async Task StartCa() =>
        host = await CaTestHost.StartAsync(directory, new Dictionary<string, string> { ["CertificateAuthority:ManualApproval"] = "true" });

    [OneTimeTearDown]
    public async Task StopCa() => await host.DisposeAsync();

    [Test]
    public async Task CertPollReturnsTheCertificateOnceApproved()
    {
        const string address = "hm-approval@clever.test";
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var transactionId = ScepClient.TransactionIdFor(key);
        var enrollment = host.CreateClient().EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.HostManager, Key = key,
            ChallengePassword = host.Core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1)),
            PollInterval = TimeSpan.FromMilliseconds(200),
            MaxWait = TimeSpan.FromMinutes(5),
        }, CancellationToken.None);

        await WaitUntilAsync(() => host.Store.FindPending(transactionId) is not null || enrollment.IsCompleted);
        Assert.That(enrollment.IsCompleted, Is.False, "no certificate before approval");
        Assert.That(directory.Certificates.ContainsKey(address), Is.False);
        Assert.That(host.Store.FindByTransaction(transactionId), Is.Null);

        Assert.That(host.Core.Approve(transactionId), Is.True);
        using var issued = await enrollment;

        Assert.That(CertificateIdentity.Read(issued), Is.EqualTo(((string?)address, (AgentRole?)AgentRole.HostManager)));
        Assert.That(host.Store.FindPending(transactionId), Is.Null);
        Assert.That(directory.Certificates[address], Is.EqualTo(issued.RawData));
    }

    [Test]
    public async Task StillPendingAfterMaxWaitIsATransientFailure()
    {
        const string address = "hm-never-approved@clever.test";
        var failure = Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.HostManager,
            ChallengePassword = host.Core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1)),
            PollInterval = TimeSpan.FromMilliseconds(100),
            MaxWait = TimeSpan.FromMilliseconds(250),
        }, CancellationToken.None));

        Assert.That(failure!.IsTransient, Is.True);
        Assert.That(failure.InnerException, Is.TypeOf<TimeoutException>());
        await Task.CompletedTask;
    }

    /// <summary>Waits for a condition with a generous deadline (a loaded CI machine), failing with a clear message.</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("condition not reached within 2 minutes");
            }
            await Task.Delay(50);
        }
    }
}
