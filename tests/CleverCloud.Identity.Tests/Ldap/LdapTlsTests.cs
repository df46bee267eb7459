using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Tests.Support;
using CleverCloud.TestSupport.Ldap;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Identity.Tests.Ldap;

/// <summary>StartTLS and ldaps against slapd serving a self-signed certificate made by openssl.</summary>
[TestFixture]
public sealed class LdapTlsTests
{
    private SlapdServer slapd = null!;
    private TestPki pki = null!;
    private string untrustedCaFile = null!;

    [OneTimeSetUp]
    public async Task StartSlapd()
    {
        slapd = await SlapdServer.StartNewAsync(new SlapdServerOptions { EnableTls = true, DebugLevel = 256 });
        pki = new TestPki();
        // Another self-signed certificate for the same name: right host, wrong key, so it must not be trusted.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var impostor = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        untrustedCaFile = Path.Combine(slapd.WorkDirectory, "untrusted.pem");
        await File.WriteAllTextAsync(untrustedCaFile, impostor.ExportCertificatePem());
    }

    [OneTimeTearDown]
    public async Task StopSlapd()
    {
        pki.Dispose();
        await slapd.DisposeAsync();
    }

    [TearDown]
    public void PrintSlapdOutputOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine(slapd.Output);
        }
    }

    private LdapDirectoryOptions TlsOptions(string uri, bool startTls, string trustedCaFile)
    {
        var options = LdapCertificateDirectoryTests.WriterOptions(slapd);
        options.Uri = uri;
        options.StartTls = startTls;
        options.TrustedCaFile = trustedCaFile;
        return options;
    }

    [Test]
    public async Task StartTls_with_the_trusted_server_certificate_publishes_and_reads()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var directory = new LdapCertificateDirectory(TlsOptions(slapd.Uri, startTls: true, slapd.TlsCertificateFile!), NullLogger<LdapCertificateDirectory>.Instance);
        using var certificate = pki.Issue("tls@cluster.test");

        await directory.PublishCertificateAsync("tls@cluster.test", AgentRole.HostManager, certificate, timeout.Token);
        using var found = await directory.FindCertificateAsync("tls@cluster.test", timeout.Token);

        Assert.That(found!.RawData, Is.EqualTo(certificate.RawData));
    }

    [Test]
    public void StartTls_with_an_untrusted_server_certificate_fails_with_a_tls_error()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var directory = new LdapCertificateDirectory(TlsOptions(slapd.Uri, startTls: true, untrustedCaFile), NullLogger<LdapCertificateDirectory>.Instance);

        var failure = Assert.ThrowsAsync<DirectoryTlsException>(() => directory.FindCertificateAsync("tls@cluster.test", timeout.Token));

        Assert.That(failure!.IsTransient, Is.False);
    }

    [Test]
    public async Task Ldaps_with_the_trusted_server_certificate_reads()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var directory = new LdapCertificateDirectory(TlsOptions(slapd.LdapsUri!, startTls: false, slapd.TlsCertificateFile!), NullLogger<LdapCertificateDirectory>.Instance);
        using var certificate = pki.Issue("ldaps@cluster.test");

        await directory.PublishCertificateAsync("ldaps@cluster.test", AgentRole.HostManager, certificate, timeout.Token);
        using var found = await directory.FindCertificateAsync("ldaps@cluster.test", timeout.Token);

        Assert.That(found!.RawData, Is.EqualTo(certificate.RawData));
    }

    [Test]
    public void Ldaps_with_an_untrusted_server_certificate_fails_with_a_typed_error()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var directory = new LdapCertificateDirectory(TlsOptions(slapd.LdapsUri!, startTls: false, untrustedCaFile), NullLogger<LdapCertificateDirectory>.Instance);

        Assert.ThrowsAsync(Is.InstanceOf<DirectoryTlsException>().Or.InstanceOf<DirectoryUnavailableException>(),
            () => directory.FindCertificateAsync("ldaps@cluster.test", timeout.Token));
    }
}
