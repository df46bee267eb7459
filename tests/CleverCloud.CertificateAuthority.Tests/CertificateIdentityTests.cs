using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.TestSupport.Ldap;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>The id-on-xmppAddr SAN (RFC 6120 §13.7.1.4) and the role extension, byte-exact and against openssl.</summary>
[TestFixture]
public sealed class CertificateIdentityTests
{
    private static X509Certificate2 SelfSigned(Action<CertificateRequest> addExtensions)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256);
        addExtensions(request);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    [Test]
    public void TheSubjectAltNameIsAnOtherNameWithAnExplicitUtf8String()
    {
        var extension = XmppAddressName.CreateSubjectAltName("a@b");

        Assert.That(Convert.ToHexString(extension.RawData),
            Is.EqualTo("3013A01106082B06010505070805A0050C03614062"));
        Assert.That(extension.Oid?.Value, Is.EqualTo("2.5.29.17"));
        Assert.That(extension.Critical, Is.False);
    }

    [Test]
    public void TheRoleExtensionIsAUtf8String()
    {
        var extension = AgentRoleExtension.Create(AgentRole.HostManager);

        Assert.That(Convert.ToHexString(extension.RawData), Is.EqualTo("0C02686D"));
        Assert.That(extension.Oid?.Value, Is.EqualTo(CleverOids.AgentRoleExtension));
    }

    [TestCase(AgentRole.ClusterManager)]
    [TestCase(AgentRole.HostManager)]
    [TestCase(AgentRole.Administrator)]
    public void ReadReturnsWhatWasWritten(AgentRole role)
    {
        using var certificate = SelfSigned(request => CertificateIdentity.AddTo(request, "node7@clever.test", role));

        Assert.That(CertificateIdentity.Read(certificate), Is.EqualTo(((string?)"node7@clever.test", (AgentRole?)role)));
    }

    [Test]
    public void ReadGivesNullsForACertificateWithoutCleverExtensions()
    {
        using var certificate = SelfSigned(_ => { });

        Assert.That(CertificateIdentity.Read(certificate), Is.EqualTo(((string?)null, (AgentRole?)null)));
    }

    [Test]
    public void TwoXmppAddressesAreAmbiguousAndReadAsNone()
    {
        using var certificate = SelfSigned(request =>
        {
            var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                foreach (var address in new[] { "a@clever.test", "b@clever.test" })
                {
                    var single = new System.Formats.Asn1.AsnReader(XmppAddressName.CreateSubjectAltName(address).RawData, System.Formats.Asn1.AsnEncodingRules.DER).ReadSequence();
                    writer.WriteEncodedValue(single.ReadEncodedValue().Span);
                }
            }
            request.CertificateExtensions.Add(new X509Extension(XmppAddressName.SubjectAltNameOid, writer.Encode(), false));
        });

        Assert.That(XmppAddressName.ReadAll(certificate), Is.EqualTo(new[] { "a@clever.test", "b@clever.test" }));
        Assert.That(CertificateIdentity.Read(certificate).XmppAddress, Is.Null);
    }

    [Test]
    public void AnUnknownRoleStringReadsAsNoRole()
    {
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        writer.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.UTF8String, "emperor");
        using var certificate = SelfSigned(request => request.CertificateExtensions.Add(new X509Extension(CleverOids.AgentRoleExtension, writer.Encode(), false)));

        Assert.That(AgentRoleExtension.Read(certificate), Is.Null);
    }

    [Test]
    public async Task OpensslPrintsOurSanAsXmppAddrAndWeReadOpensslsOwn()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clever-san-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            using var ours = SelfSigned(request => CertificateIdentity.AddTo(request, "hm1@clever.test", AgentRole.HostManager));
            var oursFile = Path.Combine(directory, "ours.pem");
            await File.WriteAllTextAsync(oursFile, ours.ExportCertificatePem());
            var printed = await SlapdServer.RunToolAsync("openssl", "openssl", ["x509", "-in", oursFile, "-noout", "-text"], null, CancellationToken.None);
            Assert.That(printed.StandardOutput, Does.Contain("othername: XmppAddr::hm1@clever.test"));

            var theirsFile = Path.Combine(directory, "theirs.pem");
            var made = await SlapdServer.RunToolAsync("openssl", "openssl", [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", Path.Combine(directory, "theirs.key"), "-out", theirsFile, "-subj", "/CN=x", "-days", "1",
                "-addext", "subjectAltName=otherName:1.3.6.1.5.5.7.8.5;UTF8:cm@clever.test",
            ], null, CancellationToken.None);
            Assert.That(made.ExitCode, Is.EqualTo(0), made.StandardError);
            var pem = await File.ReadAllTextAsync(theirsFile);
            using var theirs = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(pem[PemEncoding.Find(pem).Base64Data]));
            Assert.That(CertificateIdentity.Read(theirs).XmppAddress, Is.EqualTo("cm@clever.test"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
