using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Scep;
using CleverCloud.TestSupport.Ldap;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>The CMS layers of SCEP, checked against an independent implementation (OpenSSL) where we hand-write them.</summary>
[TestFixture]
public sealed class ScepEnvelopeTests
{
    private static X509Certificate2 SelfSigned(ECDsa key) =>
        new CertificateRequest("CN=recipient", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));

    [Test]
    public async Task OpensslDecryptsOurEcdhEnvelopeAndWeDecryptOpenssls()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var recipient = SelfSigned(key);
        var directory = Path.Combine(Path.GetTempPath(), "clever-kari-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            var certificateFile = Path.Combine(directory, "recipient.pem");
            var keyFile = Path.Combine(directory, "recipient.key");
            await File.WriteAllTextAsync(certificateFile, recipient.ExportCertificatePem());
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
            var ours = Path.Combine(directory, "ours.der");
            await File.WriteAllBytesAsync(ours, ScepEnvelope.Encrypt("sent by us"u8.ToArray(), recipient));

            var decrypted = await SlapdServer.RunToolAsync("openssl", "openssl",
                ["cms", "-decrypt", "-inform", "DER", "-in", ours, "-recip", certificateFile, "-inkey", keyFile], null, CancellationToken.None);
            Assert.That(decrypted.StandardOutput, Is.EqualTo("sent by us"), decrypted.StandardError);

            var plain = Path.Combine(directory, "plain.txt");
            var theirs = Path.Combine(directory, "theirs.der");
            await File.WriteAllTextAsync(plain, "sent by openssl");
            var encrypted = await SlapdServer.RunToolAsync("openssl", "openssl",
                ["cms", "-encrypt", "-binary", "-in", plain, "-outform", "DER", "-out", theirs, "-aes256", "-recip", certificateFile, "-keyopt", "ecdh_kdf_md:sha256"],
                null, CancellationToken.None);
            Assert.That(encrypted.ExitCode, Is.EqualTo(0), encrypted.StandardError);
            Assert.That(ScepEnvelope.Decrypt(await File.ReadAllBytesAsync(theirs), recipient, key), Is.EqualTo("sent by openssl"u8.ToArray()));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void AnEnvelopeForSomeoneElseDoesNotDecrypt()
    {
        using var intended = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var intendedCertificate = SelfSigned(intended);

        var enveloped = ScepEnvelope.Encrypt([1, 2, 3], intendedCertificate);

        var failure = Assert.Throws<ScepMessageException>(() => ScepEnvelope.Decrypt(enveloped, intendedCertificate, other));
        Assert.That(failure!.FailInfo, Is.EqualTo(ScepFailInfo.BadMessageCheck));
    }

    [Test]
    public void FailureRepliesHaveEmptyButPresentContentAndVerify()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signer = SelfSigned(key);
        var encoded = new ScepPkiMessage
        {
            MessageType = ScepMessageType.CertRep, TransactionId = "TX", SenderNonce = ScepPkiMessage.NewNonce(),
            RecipientNonce = [9, 9], PkiStatus = ScepPkiStatus.Failure, FailInfo = ScepFailInfo.BadCertId,
        }.Encode(signer, key);

        var decoded = ScepPkiMessage.Decode(encoded);
        decoded.VerifySignature(signer);

        Assert.That((decoded.PkiStatus, decoded.FailInfo, decoded.TransactionId), Is.EqualTo(((ScepPkiStatus?)ScepPkiStatus.Failure, (ScepFailInfo?)ScepFailInfo.BadCertId, "TX")));
        Assert.That(decoded.RecipientNonce, Is.EqualTo(new byte[] { 9, 9 }));
        Assert.That(decoded.Content, Is.Empty);
    }
}
