using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Tests.Support;
using CleverCloud.Identity.Certificates;
using CleverCloud.TestSupport.Ldap;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>
/// Interop with an independent SCEP client: certmonger 0.79 (its daemon and its scep-submit helper) enrolls against
/// the real clever-ca process; openssl verifies the result; ldapsearch finds it.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class CertmongerInteropTests
{
    private SlapdServer slapd = null!;
    private CaProcess ca = null!;
    private CertmongerDaemon certmonger = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        CertmongerDaemon.RequireInstalled();
        slapd = await SlapdServer.StartNewAsync();
        ca = await CaProcess.StartAsync(slapd);
        certmonger = await CertmongerDaemon.StartAsync();
        var added = await certmonger.GetcertAsync("add-scep-ca", "-c", "CLEVER", "-u", ca.Endpoint.ToString());
        Assert.That(added.ExitCode, Is.EqualTo(0), added.StandardError);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (TestContext.CurrentContext.Result.FailCount > 0)
        {
            TestContext.Progress.WriteLine(ca.Output);
        }
        await certmonger.DisposeAsync();
        await ca.DisposeAsync();
        await slapd.DisposeAsync();
    }

    [Test]
    public async Task ScepSubmitReadsTheCapabilitiesAndTheCaAndRaCertificates()
    {
        var capabilities = await CertmongerDaemon.ScepSubmitAsync("-u", ca.Endpoint.ToString(), "-c");
        var certificates = await CertmongerDaemon.ScepSubmitAsync("-u", ca.Endpoint.ToString(), "-C");

        Assert.Multiple(() =>
        {
            Assert.That(capabilities.ExitCode, Is.EqualTo(0), capabilities.StandardError);
            Assert.That(capabilities.StandardOutput, Does.Contain("SCEPStandard").And.Contain("POSTPKIOperation"));
            Assert.That(certificates.ExitCode, Is.EqualTo(0), certificates.StandardError);
            Assert.That(certificates.StandardOutput.Split("BEGIN CERTIFICATE").Length - 1, Is.EqualTo(2), "CA and RA");
        });
    }

    [Test]
    public async Task CertmongerEnrollsWithAChallengeAndOpensslVerifiesTheCertificate()
    {
        const string address = "hm-certmonger@clever.test";
        var challenge = await ca.RunCliAsync("challenge", "create", "--role", "hm", "--address", address, "--ttl", "1h");
        Assert.That(challenge.ExitCode, Is.EqualTo(0), challenge.StandardError);
        var keyFile = Path.Combine(certmonger.WorkDirectory, "hm.key.pem");
        var certificateFile = Path.Combine(certmonger.WorkDirectory, "hm.cert.pem");

        var requested = await certmonger.GetcertAsync("request", "-c", "CLEVER", "-k", keyFile, "-f", certificateFile,
            "-N", "CN=" + address, "-L", challenge.StandardOutput.Trim(), "-I", "hm-certmonger");
        Assert.That(requested.ExitCode, Is.EqualTo(0), requested.StandardError);
        await certmonger.WaitForStatusAsync("hm-certmonger", "MONITORING");

        var verified = await SlapdServer.RunToolAsync("openssl", "openssl", ["verify", "-CAfile", ca.CaCertificatePemFile, certificateFile], null, CancellationToken.None);
        Assert.That(verified.StandardOutput.Trim(), Is.EqualTo(certificateFile + ": OK"), verified.StandardError);
        var pem = await File.ReadAllTextAsync(certificateFile);
        using var issued = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(pem[System.Security.Cryptography.PemEncoding.Find(pem).Base64Data]));
        Assert.That(CertificateIdentity.Read(issued), Is.EqualTo(((string?)address, (AgentRole?)AgentRole.HostManager)),
            "certmonger's CSR has only a CN: the SAN and role come from the challenge");
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, address), Is.EqualTo(issued.RawData));
    }

    [Test]
    public async Task CertmongerWithAnUnknownChallengeIsRejected()
    {
        var keyFile = Path.Combine(certmonger.WorkDirectory, "bad.key.pem");
        var certificateFile = Path.Combine(certmonger.WorkDirectory, "bad.cert.pem");

        var requested = await certmonger.GetcertAsync("request", "-c", "CLEVER", "-k", keyFile, "-f", certificateFile,
            "-N", "CN=hm-intruder@clever.test", "-L", "00000000000000000000000000000000", "-I", "hm-intruder");
        Assert.That(requested.ExitCode, Is.EqualTo(0), requested.StandardError);
        await certmonger.WaitForStatusAsync("hm-intruder", "CA_REJECTED");

        Assert.That(File.Exists(certificateFile), Is.False);
        Assert.That(await LdapChecks.PublishedCertificateAsync(slapd, "hm-intruder@clever.test"), Is.Null);
    }
}
