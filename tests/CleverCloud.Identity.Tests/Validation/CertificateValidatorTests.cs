using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Tests.Support;
using CleverCloud.Identity.Validation;

namespace CleverCloud.Identity.Tests.Validation;

/// <summary>The validator alone, without a directory (e.g. the moderator's own certificate).</summary>
[TestFixture]
public sealed class CertificateValidatorTests
{
    private TestPki pki = null!;

    [OneTimeSetUp]
    public void CreatePki() => pki = new TestPki();

    [OneTimeTearDown]
    public void DisposePki() => pki.Dispose();

    [Test]
    public void Own_certificate_is_valid_without_a_crl()
    {
        using var certificate = pki.Issue("cm@cluster.test", AgentRole.ClusterManager);

        var result = new CertificateValidator(pki.PublicCertificate).Validate(certificate, "cm@cluster.test");

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Valid));
        Assert.That(result.Role, Is.EqualTo(AgentRole.ClusterManager));
    }

    [Test]
    public void Ca_certificate_itself_is_not_an_agent()
    {
        var result = new CertificateValidator(pki.PublicCertificate).Validate(pki.PublicCertificate, "cm@cluster.test");

        Assert.That(result.Status, Is.EqualTo(PeerCertificateStatus.Untrusted));
    }

    [Test]
    public void Address_comparison_ignores_case_but_not_other_differences()
    {
        using var certificate = pki.Issue("HM1@Cluster.Test");
        var validator = new CertificateValidator(pki.PublicCertificate);

        Assert.That(validator.Validate(certificate, "hm1@cluster.test").Status, Is.EqualTo(PeerCertificateStatus.Valid));
        Assert.That(validator.Validate(certificate, "hm11@cluster.test").Status, Is.EqualTo(PeerCertificateStatus.AddressMismatch));
    }

    [Test]
    public void Clock_skew_tolerates_a_certificate_issued_a_moment_in_the_future()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = pki.Issue("skew@cluster.test", notBefore: now.AddSeconds(30), notAfter: now.AddDays(1));

        Assert.That(new CertificateValidator(pki.PublicCertificate, clockSkew: TimeSpan.FromMinutes(2)).Validate(certificate, "skew@cluster.test").IsValid, Is.True);
        Assert.That(new CertificateValidator(pki.PublicCertificate, clockSkew: TimeSpan.Zero).Validate(certificate, "skew@cluster.test").Status, Is.EqualTo(PeerCertificateStatus.Expired));
    }

    [Test]
    public void Crl_with_garbage_or_foreign_signature_is_refused_with_the_reason()
    {
        using var forger = new TestPki("CleverCloud Test CA");
        var now = DateTimeOffset.UtcNow;

        Assert.That(() => VerifiedCrl.Verify([0x30, 0x00], pki.PublicCertificate, now, TimeSpan.Zero), Throws.InstanceOf<CrlRejectedException>());
        Assert.That(() => VerifiedCrl.Verify(forger.CreateCrl([]), pki.PublicCertificate, now, TimeSpan.Zero),
            Throws.InstanceOf<CrlRejectedException>().With.Message.Contains("signature"));
        using var otherName = new TestPki("Some Other CA");
        Assert.That(() => VerifiedCrl.Verify(otherName.CreateCrl([]), pki.PublicCertificate, now, TimeSpan.Zero),
            Throws.InstanceOf<CrlRejectedException>().With.Message.Contains("not by the cluster CA"));
    }

    [Test]
    public void Verified_crl_lists_exactly_the_revoked_serials()
    {
        using var revoked = pki.Issue("r@cluster.test");
        using var kept = pki.Issue("k@cluster.test");

        var crl = VerifiedCrl.Verify(pki.CreateCrl([revoked]), pki.PublicCertificate, DateTimeOffset.UtcNow, TimeSpan.Zero);

        Assert.That(crl.IsRevoked(revoked), Is.True);
        Assert.That(crl.IsRevoked(kept), Is.False);
        Assert.That(crl.RevokedCount, Is.EqualTo(1));
    }

    [Test]
    public void Crl_number_is_read_from_the_crl()
    {
        var first = VerifiedCrl.Verify(pki.CreateCrl([]), pki.PublicCertificate, DateTimeOffset.UtcNow, TimeSpan.Zero);
        var second = VerifiedCrl.Verify(pki.CreateCrl([]), pki.PublicCertificate, DateTimeOffset.UtcNow, TimeSpan.Zero);

        Assert.That(long.Parse(second.Number, System.Globalization.CultureInfo.InvariantCulture),
            Is.EqualTo(long.Parse(first.Number, System.Globalization.CultureInfo.InvariantCulture) + 1));
    }

    [Test]
    public void A_crl_with_an_unrecognised_critical_extension_is_refused_but_a_non_critical_one_is_ignored()
    {
        var now = DateTimeOffset.UtcNow;

        Assert.That(() => VerifiedCrl.Verify(pki.CreateCrlWithExtension("1.3.6.1.4.1.99999.1", critical: true), pki.PublicCertificate, now, TimeSpan.Zero),
            Throws.InstanceOf<CrlRejectedException>().With.Message.Contains("critical extension 1.3.6.1.4.1.99999.1"));
        var lenient = VerifiedCrl.Verify(pki.CreateCrlWithExtension("1.3.6.1.4.1.99999.1", critical: false), pki.PublicCertificate, now, TimeSpan.Zero);
        Assert.That(lenient.RevokedCount, Is.Zero);
    }

    [Test]
    public void Crl_of_an_rsa_ca_verifies_with_its_key_and_lists_its_serials()
    {
        using var caKey = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=RSA Test CA", caKey, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509KeyUsageExtension(
            System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.KeyCertSign | System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var revoked = pki.Issue("rsa-revoked@cluster.test");
        var builder = new System.Security.Cryptography.X509Certificates.CertificateRevocationListBuilder();
        builder.AddEntry(revoked);
        var der = builder.Build(ca, 7, DateTimeOffset.UtcNow.AddDays(1), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var anchor = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(ca.RawData);

        var crl = VerifiedCrl.Verify(der, anchor, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));

        Assert.Multiple(() =>
        {
            Assert.That(crl.Number, Is.EqualTo("7"));
            Assert.That(crl.IsRevoked(revoked), Is.True);
        });
        Assert.That(() => VerifiedCrl.Verify(der, pki.PublicCertificate, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1)),
            Throws.InstanceOf<CrlRejectedException>(), "another CA's CRL");
    }

    [Test]
    public void Damaged_crl_of_any_shape_is_a_crl_rejection_and_nothing_else()
    {
        var crl = pki.CreateCrl([]);
        var now = DateTimeOffset.UtcNow;
        var damaged = new List<byte[]>();
        for (var length = 1; length < crl.Length; length += 7)
        {
            damaged.Add(crl[..length]);
        }
        for (var position = 0; position < crl.Length; position += 5)
        {
            var flipped = (byte[])crl.Clone();
            flipped[position] ^= 0x5a;
            damaged.Add(flipped);
        }
        damaged.Add([]);
        damaged.Add("not a crl at all"u8.ToArray());

        foreach (var bytes in damaged)
        {
            Assert.That(() => VerifiedCrl.Verify(bytes, pki.PublicCertificate, now, TimeSpan.Zero), Throws.InstanceOf<CrlRejectedException>(),
                Convert.ToHexString(bytes));
        }
    }
}
