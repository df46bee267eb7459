using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Tests.Support;
using CleverCloud.Identity.Validation;
using CleverCloud.TestSupport.Ldap;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Identity.Tests.Ldap;

/// <summary>The directory going away and coming back (own slapd: these tests stop it).</summary>
[TestFixture]
public sealed class LdapOutageTests
{
    private SlapdServer slapd = null!;
    private TestPki pki = null!;

    [OneTimeSetUp]
    public async Task StartSlapd()
    {
        slapd = await SlapdServer.StartNewAsync();
        pki = new TestPki();
    }

    [OneTimeTearDown]
    public async Task StopSlapd()
    {
        pki.Dispose();
        await slapd.DisposeAsync();
    }

    [Test]
    public async Task Stopped_server_is_a_transient_unavailable_error_and_the_same_call_works_after_restart()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var directory = new LdapCertificateDirectory(LdapCertificateDirectoryTests.WriterOptions(slapd), NullLogger<LdapCertificateDirectory>.Instance);
        using var certificate = pki.Issue("outage@cluster.test");
        await directory.PublishCertificateAsync("outage@cluster.test", AgentRole.HostManager, certificate, timeout.Token);

        await slapd.StopAsync();
        var failure = Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.FindCertificateAsync("outage@cluster.test", timeout.Token));
        Assert.That(failure!.IsTransient, Is.True);
        Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.PublishCertificateAsync("outage@cluster.test", AgentRole.HostManager, certificate, timeout.Token));

        await slapd.StartAsync(timeout.Token);
        using var found = await directory.FindCertificateAsync("outage@cluster.test", timeout.Token);

        Assert.That(found!.RawData, Is.EqualTo(certificate.RawData), "the data survived the restart and the directory reconnected");
    }

    [Test]
    public async Task Hung_server_times_out_as_a_transient_unavailable_error_and_recovers()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var options = LdapCertificateDirectoryTests.WriterOptions(slapd);
        options.OperationTimeout = TimeSpan.FromSeconds(2);
        using var directory = new LdapCertificateDirectory(options, NullLogger<LdapCertificateDirectory>.Instance);
        using var certificate = pki.Issue("hung@cluster.test");
        await directory.PublishCertificateAsync("hung@cluster.test", AgentRole.HostManager, certificate, timeout.Token);

        await slapd.PauseAsync(timeout.Token);
        DirectoryUnavailableException? failure;
        try
        {
            failure = Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.FindCertificateAsync("hung@cluster.test", timeout.Token));
        }
        finally
        {
            await slapd.ResumeAsync(timeout.Token);
        }
        using var found = await directory.FindCertificateAsync("hung@cluster.test", timeout.Token);

        Assert.That(failure!.IsTransient, Is.True);
        Assert.That(found!.RawData, Is.EqualTo(certificate.RawData));
    }

    [Test]
    public async Task During_an_outage_cached_peers_stay_valid_while_new_look_ups_fail_transiently()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var directory = new LdapCertificateDirectory(LdapCertificateDirectoryTests.WriterOptions(slapd), NullLogger<LdapCertificateDirectory>.Instance);
        using var certificate = pki.Issue("cached-in-outage@cluster.test");
        await directory.PublishCertificateAsync("cached-in-outage@cluster.test", AgentRole.HostManager, certificate, timeout.Token);
        await directory.PublishCrlAsync(pki.CreateCrl([]), timeout.Token);
        // Refresh the CRL on every call, so the outage is certainly noticed by the cached path too.
        var options = new PeerValidationOptions { CrlRefreshInterval = TimeSpan.FromTicks(1), NegativeCacheTtl = TimeSpan.Zero };
        using var resolver = new PeerCertificateResolver(directory, new CertificateValidator(pki.PublicCertificate), options, NullLogger<PeerCertificateResolver>.Instance);
        Assert.That((await resolver.ResolveAsync("cached-in-outage@cluster.test", timeout.Token)).IsValid, Is.True);

        await slapd.StopAsync();
        PeerCertificateResult cached;
        try
        {
            cached = await resolver.ResolveAsync("cached-in-outage@cluster.test", timeout.Token);
            Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await resolver.ResolveAsync("never-seen@cluster.test", timeout.Token));
        }
        finally
        {
            await slapd.StartAsync(timeout.Token);
        }

        Assert.That(cached.IsValid, Is.True, cached.Reason);
    }

    [Test]
    public void Nothing_listening_is_a_transient_unavailable_error()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var options = LdapCertificateDirectoryTests.WriterOptions(slapd);
        options.Uri = "ldap://127.0.0.1:1";
        using var directory = new LdapCertificateDirectory(options, NullLogger<LdapCertificateDirectory>.Instance);

        var failure = Assert.ThrowsAsync<DirectoryUnavailableException>(() => directory.GetCrlAsync(timeout.Token));

        Assert.That(failure!.IsTransient, Is.True);
    }

    [Test]
    public void Cancelled_call_throws_operation_canceled()
    {
        using var directory = new LdapCertificateDirectory(LdapCertificateDirectoryTests.WriterOptions(slapd), NullLogger<LdapCertificateDirectory>.Instance);

        Assert.That(async () => await directory.GetCrlAsync(new CancellationToken(canceled: true)), Throws.InstanceOf<OperationCanceledException>());
    }
}
