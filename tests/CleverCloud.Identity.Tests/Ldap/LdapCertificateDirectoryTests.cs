using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Tests.Support;
using CleverCloud.TestSupport.Ldap;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Identity.Tests.Ldap;

/// <summary>LdapCertificateDirectory against a real slapd (deploy/ldap configuration and layout).</summary>
[TestFixture]
public sealed class LdapCertificateDirectoryTests
{
    private SlapdServer slapd = null!;
    private TestPki pki = null!;
    private LdapCertificateDirectory directory = null!;
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
    public void CreateDirectory()
    {
        directory = new LdapCertificateDirectory(WriterOptions(slapd), NullLogger<LdapCertificateDirectory>.Instance);
        timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
    }

    [TearDown]
    public void DisposeDirectory()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine(slapd.Output);
        }
        directory.Dispose();
        timeout.Dispose();
    }

    internal static LdapDirectoryOptions WriterOptions(SlapdServer server) => new()
    {
        Uri = server.Uri,
        BaseDn = server.BaseDn,
        BindDn = server.BindDn,
        BindPassword = server.BindPassword,
        OperationTimeout = TimeSpan.FromSeconds(30),
    };

    [Test]
    public async Task Published_certificate_is_found_byte_identical()
    {
        using var certificate = pki.Issue("hm1@cluster.test", AgentRole.HostManager);

        await directory.PublishCertificateAsync("hm1@cluster.test", AgentRole.HostManager, certificate, timeout.Token);
        using var found = await directory.FindCertificateAsync("hm1@cluster.test", timeout.Token);

        Assert.That(found, Is.Not.Null);
        Assert.That(found!.RawData, Is.EqualTo(certificate.RawData));
    }

    [Test]
    public async Task Published_certificate_reads_back_byte_identical_through_the_real_ldapsearch()
    {
        using var certificate = pki.Issue("cm@cluster.test", AgentRole.ClusterManager);
        await directory.PublishCertificateAsync("cm@cluster.test", AgentRole.ClusterManager, certificate, timeout.Token);

        var ldif = await slapd.LdapSearchAsync(slapd.BaseDn, "(uid=cm@cluster.test)", ["userCertificate;binary", "employeeType", "objectClass"], timeout.Token);

        Assert.That(LdifValues(ldif, "userCertificate;binary").Select(Convert.FromBase64String), Is.EqualTo(new[] { certificate.RawData }));
        Assert.That(LdifValues(ldif, "employeeType"), Is.EqualTo(new[] { "cm" }));
        Assert.That(LdifValues(ldif, "objectClass"), Is.SupersetOf(new[] { "inetOrgPerson", "pkiUser" }));
        Assert.That(ldif, Does.Contain("dn: uid=cm@cluster.test,ou=agents," + slapd.BaseDn));
    }

    [Test]
    public async Task Republishing_replaces_the_certificate_and_role()
    {
        using var first = pki.Issue("hm2@cluster.test", AgentRole.HostManager);
        using var second = pki.Issue("hm2@cluster.test", AgentRole.Administrator);
        await directory.PublishCertificateAsync("hm2@cluster.test", AgentRole.HostManager, first, timeout.Token);

        await directory.PublishCertificateAsync("hm2@cluster.test", AgentRole.Administrator, second, timeout.Token);

        using var found = await directory.FindCertificateAsync("hm2@cluster.test", timeout.Token);
        Assert.That(found!.RawData, Is.EqualTo(second.RawData));
        var ldif = await slapd.LdapSearchAsync(slapd.BaseDn, "(uid=hm2@cluster.test)", ["userCertificate;binary", "employeeType"], timeout.Token);
        Assert.That(LdifValues(ldif, "userCertificate;binary"), Has.Count.EqualTo(1));
        Assert.That(LdifValues(ldif, "employeeType"), Is.EqualTo(new[] { "admin" }));
    }

    [Test]
    public async Task Removed_certificate_is_no_longer_found_and_removing_again_is_harmless()
    {
        using var certificate = pki.Issue("hm3@cluster.test");
        await directory.PublishCertificateAsync("hm3@cluster.test", AgentRole.HostManager, certificate, timeout.Token);

        await directory.RemoveCertificateAsync("hm3@cluster.test", timeout.Token);

        Assert.That(await directory.FindCertificateAsync("hm3@cluster.test", timeout.Token), Is.Null);
        Assert.That(await slapd.LdapSearchAsync(slapd.BaseDn, "(uid=hm3@cluster.test)", ["dn"], timeout.Token), Is.Empty);
        Assert.DoesNotThrowAsync(() => directory.RemoveCertificateAsync("hm3@cluster.test", timeout.Token));
    }

    [Test]
    public async Task Unknown_address_is_not_found()
    {
        Assert.That(await directory.FindCertificateAsync("nobody@cluster.test", timeout.Token), Is.Null);
    }

    [Test]
    public async Task Crl_is_published_replaced_and_read_back_identical()
    {
        using var revoked = pki.Issue("old@cluster.test");
        var first = pki.CreateCrl([]);
        var second = pki.CreateCrl([revoked]);

        await directory.PublishCrlAsync(first, timeout.Token);
        Assert.That(await directory.GetCrlAsync(timeout.Token), Is.EqualTo(first));
        await directory.PublishCrlAsync(second, timeout.Token);

        Assert.That(await directory.GetCrlAsync(timeout.Token), Is.EqualTo(second));
        var ldif = await slapd.LdapSearchAsync("cn=ca," + slapd.BaseDn, "(objectClass=*)", ["certificateRevocationList;binary"], timeout.Token);
        Assert.That(LdifValues(ldif, "certificateRevocationList;binary").Select(Convert.FromBase64String), Is.EqualTo(new[] { second }));
    }

    [Test]
    public async Task Crl_is_recreated_with_the_ca_entry_when_an_operator_deleted_it()
    {
        var deleted = await slapd.LdapModifyAsync($"dn: cn=ca,{slapd.BaseDn}\nchangetype: delete\n\n", timeout.Token);
        Assert.That(deleted.ExitCode, Is.Zero, deleted.StandardError);
        Assert.That(await directory.GetCrlAsync(timeout.Token), Is.Null);

        var crl = pki.CreateCrl([]);
        await directory.PublishCrlAsync(crl, timeout.Token);

        Assert.That(await directory.GetCrlAsync(timeout.Token), Is.EqualTo(crl));
    }

    [TestCase("*")]
    [TestCase("*)(uid=*")]
    [TestCase("hm1@cluster.test)(|(uid=*")]
    [TestCase("\\2a")]
    public async Task Hostile_filter_values_match_nothing_but_the_literal_address(string hostile)
    {
        using var victim = pki.Issue("victim@cluster.test");
        await directory.PublishCertificateAsync("victim@cluster.test", AgentRole.HostManager, victim, timeout.Token);

        Assert.That(await directory.FindCertificateAsync(hostile, timeout.Token), Is.Null, "a search for a hostile address matched another entry");

        using var own = pki.Issue(hostile);
        await directory.PublishCertificateAsync(hostile, AgentRole.HostManager, own, timeout.Token);
        using var found = await directory.FindCertificateAsync(hostile, timeout.Token);
        Assert.That(found!.RawData, Is.EqualTo(own.RawData));
        await directory.RemoveCertificateAsync(hostile, timeout.Token);
        using var victimAfter = await directory.FindCertificateAsync("victim@cluster.test", timeout.Token);
        Assert.That(victimAfter!.RawData, Is.EqualTo(victim.RawData), "removing the hostile entry touched another one");
    }

    [TestCase("evil,ou=agents@cluster.test")]
    [TestCase("a+cn=b@cluster.test")]
    [TestCase("x\\,y=\"z\"<>;#@cluster.test")]
    [TestCase("#lead@cluster.test")]
    [TestCase(" spaced @cluster.test ")]
    public async Task Hostile_dn_characters_create_the_entry_under_its_literal_name(string hostile)
    {
        using var certificate = pki.Issue(hostile);

        await directory.PublishCertificateAsync(hostile, AgentRole.HostManager, certificate, timeout.Token);

        // The real ldapsearch, searching one level under ou=agents for the exact uid, finds exactly that entry.
        var ldif = await slapd.LdapSearchAsync("ou=agents," + slapd.BaseDn, $"(uid={LdapNames.EscapeFilterValue(hostile)})", ["uid", "userCertificate;binary"], timeout.Token);
        Assert.That(LdifValues(ldif, "userCertificate;binary").Select(Convert.FromBase64String), Is.EqualTo(new[] { certificate.RawData }));
        using var found = await directory.FindCertificateAsync(hostile, timeout.Token);
        Assert.That(found!.RawData, Is.EqualTo(certificate.RawData));
        await directory.RemoveCertificateAsync(hostile, timeout.Token);
        Assert.That(await directory.FindCertificateAsync(hostile, timeout.Token), Is.Null);
    }

    [Test]
    public void Certificate_for_another_address_is_refused_and_nothing_is_written()
    {
        using var certificate = pki.Issue("someone-else@cluster.test");
        var logger = new RecordingLogger<LdapCertificateDirectory>();
        using var logged = new LdapCertificateDirectory(WriterOptions(slapd), logger);

        Assert.ThrowsAsync<ArgumentException>(() => logged.PublishCertificateAsync("impostor@cluster.test", AgentRole.HostManager, certificate, timeout.Token));

        Assert.That(logger.Entries.Select(entry => entry.Id.Id), Does.Contain(3108));
        Assert.That(slapd.LdapSearchAsync(slapd.BaseDn, "(uid=impostor@cluster.test)", ["dn"], timeout.Token).Result, Is.Empty);
    }

    [Test]
    public void Certificate_with_another_role_than_claimed_is_refused()
    {
        using var certificate = pki.Issue("claims@cluster.test", AgentRole.HostManager);

        Assert.ThrowsAsync<ArgumentException>(() => directory.PublishCertificateAsync("claims@cluster.test", AgentRole.ClusterManager, certificate, timeout.Token));

        Assert.That(slapd.LdapSearchAsync(slapd.BaseDn, "(uid=claims@cluster.test)", ["dn"], timeout.Token).Result, Is.Empty);
    }

    [Test]
    public void Disposed_directory_refuses_calls()
    {
        var disposable = new LdapCertificateDirectory(WriterOptions(slapd), NullLogger<LdapCertificateDirectory>.Instance);
        disposable.Dispose();

        Assert.ThrowsAsync<ObjectDisposedException>(() => disposable.GetCrlAsync(timeout.Token));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("hm1@cluster.test/resource")]
    [TestCase("bad\u0000nul@cluster.test")]
    public void Invalid_addresses_are_refused_with_a_typed_error(string address)
    {
        Assert.ThrowsAsync<ArgumentException>(() => directory.FindCertificateAsync(address, timeout.Token));
        Assert.ThrowsAsync<ArgumentException>(() => directory.RemoveCertificateAsync(address, timeout.Token));
    }

    [Test]
    public void Crl_that_is_not_der_is_refused()
    {
        Assert.ThrowsAsync<ArgumentException>(() => directory.PublishCrlAsync("-----BEGIN X509 CRL-----"u8.ToArray(), timeout.Token));
        Assert.ThrowsAsync<ArgumentException>(() => directory.PublishCrlAsync([], timeout.Token));
    }

    [Test]
    public void Anonymous_writer_is_refused_with_the_ldap_result_code()
    {
        var anonymous = WriterOptions(slapd);
        anonymous.BindDn = null;
        anonymous.BindPassword = null;
        using var reader = new LdapCertificateDirectory(anonymous, NullLogger<LdapCertificateDirectory>.Instance);
        using var certificate = pki.Issue("anon@cluster.test");

        var failure = Assert.ThrowsAsync<DirectoryOperationFailedException>(() => reader.PublishCertificateAsync("anon@cluster.test", AgentRole.HostManager, certificate, timeout.Token));

        // slapd answers strongerAuthRequired (8) "modifications require authentication" before the ACLs are consulted.
        Assert.That(failure!.ResultCode, Is.EqualTo(8), failure.Message);
        Assert.That(failure.IsTransient, Is.False);
    }

    [Test]
    public async Task Anonymous_reader_finds_published_certificates()
    {
        using var certificate = pki.Issue("readable@cluster.test");
        await directory.PublishCertificateAsync("readable@cluster.test", AgentRole.HostManager, certificate, timeout.Token);
        var anonymous = WriterOptions(slapd);
        anonymous.BindDn = null;
        anonymous.BindPassword = null;
        using var reader = new LdapCertificateDirectory(anonymous, NullLogger<LdapCertificateDirectory>.Instance);

        using var found = await reader.FindCertificateAsync("readable@cluster.test", timeout.Token);

        Assert.That(found!.RawData, Is.EqualTo(certificate.RawData));
    }

    [Test]
    public void Wrong_bind_password_is_invalid_credentials_not_transient()
    {
        var wrong = WriterOptions(slapd);
        wrong.BindPassword = "not-the-password";
        using var writer = new LdapCertificateDirectory(wrong, NullLogger<LdapCertificateDirectory>.Instance);

        var failure = Assert.ThrowsAsync<DirectoryOperationFailedException>(() => writer.GetCrlAsync(timeout.Token));

        Assert.That(failure!.ResultCode, Is.EqualTo(49), failure.Message);
        Assert.That(failure.IsTransient, Is.False);
    }

    [Test]
    public async Task Entry_with_two_certificates_is_a_typed_data_error()
    {
        // slapd itself refuses values that are not X.509 syntax, so the corruption an operator can cause is a second
        // value added by hand; the directory must not pick one of them silently.
        using var first = pki.Issue("doubled@cluster.test");
        using var second = pki.Issue("doubled@cluster.test");
        var ldif = $"dn: uid=doubled@cluster.test,ou=agents,{slapd.BaseDn}\nchangetype: add\nobjectClass: inetOrgPerson\nobjectClass: pkiUser\n"
            + "uid: doubled@cluster.test\ncn: doubled\nsn: doubled\n"
            + "userCertificate;binary:: " + Convert.ToBase64String(first.RawData) + "\n"
            + "userCertificate;binary:: " + Convert.ToBase64String(second.RawData) + "\n\n";
        var added = await slapd.LdapModifyAsync(ldif, timeout.Token);
        Assert.That(added.ExitCode, Is.Zero, added.StandardError);

        var failure = Assert.ThrowsAsync<DirectoryDataException>(() => directory.FindCertificateAsync("doubled@cluster.test", timeout.Token));

        Assert.That(failure!.IsTransient, Is.False);
        Assert.That(failure.Message, Does.Contain("2 certificates"));
    }

    /// <summary>The values of one attribute in ldapsearch -LLL -o ldif-wrap=no output (base64 for "::").</summary>
    internal static List<string> LdifValues(string ldif, string attribute)
    {
        var values = new List<string>();
        foreach (var line in ldif.Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.StartsWith(attribute + ":: ", StringComparison.OrdinalIgnoreCase))
            {
                values.Add(trimmed[(attribute.Length + 3)..]);
            }
            else if (trimmed.StartsWith(attribute + ": ", StringComparison.OrdinalIgnoreCase))
            {
                values.Add(trimmed[(attribute.Length + 2)..]);
            }
        }
        return values;
    }
}
