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
