using System.Security.Cryptography;
using CleverCloud.CertificateAuthority.State;
using CleverCloud.CertificateAuthority.Tests.Support;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;
using CleverCloud.TestSupport.Ldap;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>
/// The CA publishing to the real slapd through LdapCertificateDirectory: slapd stopped during an enrollment means
/// PENDING, nothing issued and nothing half-published; once slapd is back the same enrollment completes.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class DirectoryOutageTests
{
    private SlapdServer slapd = null!;
    private CaTestHost host = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        slapd = await SlapdServer.StartNewAsync();
        host = await CaTestHost.StartAsync(directory: null, new Dictionary<string, string>
        {
            ["Ldap:Uri"] = slapd.Uri,
            ["Ldap:BaseDn"] = slapd.BaseDn,
            ["Ldap:BindDn"] = slapd.BindDn,
            ["Ldap:BindPassword"] = slapd.BindPassword,
            ["Ldap:OperationTimeout"] = "00:00:05",
        });
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await host.DisposeAsync();
        await slapd.DisposeAsync();
    }

    [Test]
    public async Task SlapdDownMeansPendingAndNothingHalfPublishedThenTheEnrollmentCompletes()
    {
        const string address = "hm-outage@clever.test";
        var challenge = host.Core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var transactionId = ScepClient.TransactionIdFor(key);
        EnrollmentRequest Request() => new()
        {
            XmppAddress = address, Role = AgentRole.HostManager, ChallengePassword = challenge, Key = key,
            PollInterval = TimeSpan.FromMilliseconds(200), MaxWait = TimeSpan.FromMilliseconds(500),
        };
        var certificatesBefore = host.Store.CountCertificates();
        await slapd.StopAsync();

        var failure = Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(Request(), CancellationToken.None));

        Assert.That(failure!.IsTransient, Is.True);
        Assert.That(host.Store.CountCertificates(), Is.EqualTo(certificatesBefore), "nothing issued");
        Assert.That(host.Store.FindPending(transactionId)?.State, Is.EqualTo(PendingState.AwaitingDirectory));
        await slapd.StartAsync();
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.Null, "nothing half-published");

        using var issued = await host.CreateClient().EnrollAsync(Request(), CancellationToken.None);

        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.EqualTo(issued.RawData));
        Assert.That(host.Store.CountCertificates(), Is.EqualTo(certificatesBefore + 1));
        Assert.That(host.Store.FindPending(transactionId), Is.Null);
    }

    [Test]
    public async Task AClientPollingAcrossTheOutageGetsItsCertificateWhenSlapdReturns()
    {
        const string address = "hm-polling-outage@clever.test";
        var challenge = host.Core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var transactionId = ScepClient.TransactionIdFor(key);
        await slapd.StopAsync();
        var enrollment = host.CreateClient().EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.HostManager, ChallengePassword = challenge, Key = key,
            PollInterval = TimeSpan.FromMilliseconds(300), MaxWait = TimeSpan.FromMinutes(5),
        }, CancellationToken.None);
        await ManualApprovalTests.WaitUntilAsync(() => host.Store.FindPending(transactionId) is not null || enrollment.IsCompleted);
        Assert.That(enrollment.IsCompleted, Is.False, "no certificate while slapd is down");

        await slapd.StartAsync();
        using var issued = await enrollment;

        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.EqualTo(issued.RawData));
    }

    [Test]
    public async Task RevocationRemovesTheEntryAndPublishesTheCrlSeenByLdapsearch()
    {
        const string address = "cm-ldap-revoke@clever.test";
        using var issued = await host.CreateClient().EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.ClusterManager,
            ChallengePassword = host.Core.CreateChallenge(address, AgentRole.ClusterManager, TimeSpan.FromHours(1)),
        }, CancellationToken.None);
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.EqualTo(issued.RawData));

        var result = await host.Core.RevokeAsync(issued.SerialNumber, System.Security.Cryptography.X509Certificates.X509RevocationReason.Superseded, CancellationToken.None);

        Assert.That(result.CrlPublished && result.DirectoryEntryRemoved, Is.True);
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.Null);
        Assert.That(CertificateChecks.RevokedSerials((await LdapChecks.PublishedCrlAsync(slapd))!), Does.Contain(issued.SerialNumber));
    }
}
