using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Tests.Ldap;
using CleverCloud.Identity.Tests.Support;
using CleverCloud.Identity.Validation;
using CleverCloud.TestSupport.Ldap;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Identity.Tests.Validation;

/// <summary>PeerCertificateResolver over the real LDAP directory (real slapd), counted through a decorator.</summary>
[TestFixture]
public sealed class PeerCertificateResolverTests
{
    private SlapdServer slapd = null!;
    private TestPki pki = null!;
    private LdapCertificateDirectory ldap = null!;
    private CountingDirectory directory = null!;
    private CancellationTokenSource timeout = null!;

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

    [SetUp]
    public async Task PublishEmptyCrl()
    {
        timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        ldap = new LdapCertificateDirectory(LdapCertificateDirectoryTests.WriterOptions(slapd), NullLogger<LdapCertificateDirectory>.Instance);
        directory = new CountingDirectory(ldap);
        await ldap.PublishCrlAsync(pki.CreateCrl([]), timeout.Token);
    }

    [TearDown]
    public void Dispose()
    {
        ldap.Dispose();
        timeout.Dispose();
    }

    private PeerCertificateResolver Resolver(PeerValidationOptions? options = null) =>
        new(directory, new CertificateValidator(pki.PublicCertificate), options ?? new PeerValidationOptions(), NullLogger<PeerCertificateResolver>.Instance);

    private async Task<X509Certificate2> PublishAsync(X509Certificate2 certificate, string address, AgentRole role = AgentRole.HostManager)
    {
        await ldap.PublishCertificateAsync(address, role, certificate, timeout.Token);
        return certificate;
    }

    [Test]
    public async Task Valid_certificate_resolves_with_its_role()
    {
        using var certificate = await PublishAsync(pki.Issue("valid@cluster.test", AgentRole.ClusterManager), "valid@cluster.test", AgentRole.ClusterManager);
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("valid@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Valid), result.Reason);
        Assert.That(result.Role, Is.EqualTo(AgentRole.ClusterManager));
        Assert.That(result.Certificate!.RawData, Is.EqualTo(certificate.RawData));
    }

    [Test]
    public async Task Expired_certificate_is_expired()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = await PublishAsync(pki.Issue("expired@cluster.test", notBefore: now.AddDays(-10), notAfter: now.AddDays(-1)), "expired@cluster.test");
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("expired@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Expired));
        Assert.That(result.Reason, Does.Contain("expired"));
    }

    [Test]
    public async Task Not_yet_valid_certificate_is_rejected_as_outside_its_validity()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = await PublishAsync(pki.Issue("future@cluster.test", notBefore: now.AddDays(1), notAfter: now.AddDays(10)), "future@cluster.test");
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("future@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Expired));
        Assert.That(result.Reason, Does.Contain("not valid yet"));
    }

    [Test]
    public async Task Certificate_from_another_ca_is_untrusted()
    {
        using var otherCa = new TestPki("CleverCloud Test CA");
        using var certificate = await PublishAsync(otherCa.Issue("forged@cluster.test"), "forged@cluster.test");
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("forged@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Untrusted));
        Assert.That(result.Certificate, Is.Null);
    }

    [Test]
    public async Task Revoked_certificate_is_revoked()
    {
        using var certificate = await PublishAsync(pki.Issue("revoked@cluster.test"), "revoked@cluster.test");
        using var bystander = pki.Issue("other@cluster.test");
        await ldap.PublishCrlAsync(pki.CreateCrl([bystander, certificate]), timeout.Token);
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("revoked@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Revoked));
    }

    [Test]
    public async Task Revocation_takes_effect_over_a_cached_valid_result_when_the_crl_is_invalidated()
    {
        using var certificate = await PublishAsync(pki.Issue("later-revoked@cluster.test"), "later-revoked@cluster.test");
        using var resolver = Resolver();
        Assert.That((await resolver.ResolveAsync("later-revoked@cluster.test", timeout.Token)).IsValid, Is.True);

        await ldap.PublishCrlAsync(pki.CreateCrl([certificate]), timeout.Token);
        resolver.InvalidateCrl();
        var result = await resolver.ResolveAsync("later-revoked@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Revoked));
    }

    [Test]
    public async Task Certificate_published_under_another_address_is_an_address_mismatch()
    {
        // Our directory refuses to publish this, so a hostile or broken writer is simulated with the real ldapmodify.
        using var certificate = pki.Issue("alice@cluster.test");
        var ldif = $"dn: uid=mallory@cluster.test,ou=agents,{slapd.BaseDn}\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: pkiUser\n"
            + $"uid: mallory@cluster.test\ncn: mallory\nsn: mallory\nemployeeType: hm\nuserCertificate;binary:: {Convert.ToBase64String(certificate.RawData)}\n\n";
        var added = await slapd.LdapModifyAsync(ldif, timeout.Token);
        Assert.That(added.ExitCode, Is.Zero, added.StandardError);
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("mallory@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.AddressMismatch));
        Assert.That(result.Reason, Does.Contain("alice@cluster.test"));
    }

    [Test]
    public async Task Missing_entry_is_unknown()
    {
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("ghost@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Unknown));
    }

    [Test]
    public async Task Certificate_without_role_is_untrusted()
    {
        using var certificate = await PublishAsync(pki.Issue("roleless@cluster.test", role: null), "roleless@cluster.test");
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("roleless@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Untrusted));
        Assert.That(result.Reason, Does.Contain("role"));
    }

    [Test]
    public async Task Cache_hit_does_not_query_the_directory_again_until_invalidated()
    {
        using var certificate = await PublishAsync(pki.Issue("cached@cluster.test"), "cached@cluster.test");
        using var resolver = Resolver();

        var first = await resolver.ResolveAsync("cached@cluster.test", timeout.Token);
        var second = await resolver.ResolveAsync("cached@cluster.test", timeout.Token);
        var third = await resolver.ResolveAsync("CACHED@cluster.test", timeout.Token);

        Assert.That(first.IsValid && second.IsValid && third.IsValid, Is.True);
        Assert.That(directory.Finds, Is.EqualTo(1));
        Assert.That(directory.CrlReads, Is.EqualTo(1));

        resolver.Invalidate("cached@cluster.test");
        _ = await resolver.ResolveAsync("cached@cluster.test", timeout.Token);
        Assert.That(directory.Finds, Is.EqualTo(2));
    }

    [Test]
    public async Task Unknown_results_are_cached_briefly_too()
    {
        using var resolver = Resolver();

        _ = await resolver.ResolveAsync("flood@cluster.test", timeout.Token);
        _ = await resolver.ResolveAsync("flood@cluster.test", timeout.Token);

        Assert.That(directory.Finds, Is.EqualTo(1));
    }

    [Test]
    public async Task Cache_is_bounded()
    {
        using var resolver = Resolver(new PeerValidationOptions { MaxCacheEntries = 2 });

        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            _ = await resolver.ResolveAsync(name + "@cluster.test", timeout.Token);
        }

        Assert.That(resolver.CachedCount, Is.EqualTo(2));
    }

    [Test]
    public async Task Crl_signed_by_another_key_is_rejected_and_peers_fail_closed()
    {
        using var certificate = await PublishAsync(pki.Issue("victim-of-forgery@cluster.test"), "victim-of-forgery@cluster.test");
        // Same issuer name, different key: only the signature check can tell.
        using var forger = new TestPki("CleverCloud Test CA");
        await ldap.PublishCrlAsync(forger.CreateCrl([certificate]), timeout.Token);
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("victim-of-forgery@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Untrusted));
        Assert.That(result.Reason, Does.Contain("signature"));
    }

    [Test]
    public async Task Expired_crl_is_rejected()
    {
        using var certificate = await PublishAsync(pki.Issue("stale-crl@cluster.test"), "stale-crl@cluster.test");
        var now = DateTimeOffset.UtcNow;
        await ldap.PublishCrlAsync(pki.CreateCrl([], thisUpdate: now.AddDays(-3), nextUpdate: now.AddDays(-1)), timeout.Token);
        using var resolver = Resolver();

        var result = await resolver.ResolveAsync("stale-crl@cluster.test", timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Untrusted));
        Assert.That(result.Reason, Does.Contain("nextUpdate"));
    }

    [Test]
    public async Task Missing_crl_fails_closed_unless_configured_otherwise()
    {
        using var certificate = await PublishAsync(pki.Issue("no-crl@cluster.test"), "no-crl@cluster.test");
        var deleted = await slapd.LdapModifyAsync($"dn: cn=ca,{slapd.BaseDn}\nchangetype: modify\ndelete: certificateRevocationList;binary\n\n", timeout.Token);
        Assert.That(deleted.ExitCode, Is.Zero, deleted.StandardError);

        using (var strict = Resolver())
        {
            Assert.That((await strict.ResolveAsync("no-crl@cluster.test", timeout.Token)).Status, Is.EqualTo(PeerCertificateStatus.Untrusted));
        }
        using var lenient = Resolver(new PeerValidationOptions { RequireCrl = false });
        Assert.That((await lenient.ResolveAsync("no-crl@cluster.test", timeout.Token)).Status, Is.EqualTo(PeerCertificateStatus.Valid));
    }

    [TestCase("")]
    [TestCase("hm@cluster.test/laptop")]
    [TestCase("bell\u0007@cluster.test")]
    public async Task Address_that_is_not_a_bare_jid_is_unknown_without_a_directory_call(string address)
    {
        using var resolver = Resolver();
        Assert.That((await resolver.ResolveAsync(new string('a', 4000) + "@cluster.test", timeout.Token)).Status, Is.EqualTo(PeerCertificateStatus.Unknown));

        var result = await resolver.ResolveAsync(address, timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Unknown));
        Assert.That(directory.Finds, Is.Zero);
    }

    [Test]
    public void Unreachable_directory_throws_the_transient_error()
    {
        var options = LdapCertificateDirectoryTests.WriterOptions(slapd);
        options.Uri = "ldap://127.0.0.1:1";
        using var unreachable = new LdapCertificateDirectory(options, NullLogger<LdapCertificateDirectory>.Instance);
        using var resolver = new PeerCertificateResolver(unreachable, new CertificateValidator(pki.PublicCertificate), new PeerValidationOptions(), NullLogger<PeerCertificateResolver>.Instance);

        var failure = Assert.ThrowsAsync<DirectoryUnavailableException>(async () => await resolver.ResolveAsync("any@cluster.test", timeout.Token));

        Assert.That(failure!.IsTransient, Is.True);
    }

    [Test]
    public async Task Registered_through_configuration_the_resolver_validates_against_the_real_directory()
    {
        using var certificate = await PublishAsync(pki.Issue("di@cluster.test", AgentRole.Administrator), "di@cluster.test", AgentRole.Administrator);
        var caFile = Path.Combine(slapd.WorkDirectory, "cluster-ca.pem");
        await File.WriteAllTextAsync(caFile, pki.PublicCertificate.ExportCertificatePem());
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ldap:Uri"] = slapd.Uri,
            ["Ldap:BaseDn"] = slapd.BaseDn,
            ["Ldap:OperationTimeout"] = "00:00:30",
            ["PeerValidation:CaCertificateFile"] = caFile,
            ["PeerValidation:CacheTtl"] = "00:01:00",
        });
        builder.Services.AddCertificateDirectory(builder.Configuration.GetSection("Ldap"));
        builder.Services.AddPeerCertificateResolver(builder.Configuration.GetSection("PeerValidation"));
        using var host = builder.Build();
        await host.StartAsync(timeout.Token);

        var result = await host.Services.GetRequiredService<IPeerCertificateResolver>().ResolveAsync("di@cluster.test", timeout.Token);
        await host.StopAsync(timeout.Token);

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Valid), result.Reason);
        Assert.That(result.Role, Is.EqualTo(AgentRole.Administrator));
    }
}
