using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Configuration;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.CertificateAuthority.Tests.Support;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>The CA's own key material: created once, encrypted at rest, RSA-3072 option, GetCert.</summary>
[TestFixture]
public sealed class CaKeyTests
{
    private static CertificateAuthorityOptions Options(string directory, string password) => new()
    {
        StateDirectory = directory,
        KeyPassword = password,
        KeyEncryptionIterations = 100_000,
    };

    [Test]
    public void TheCaKeyIsStoredEncryptedAndReloadsOnlyWithItsPassword()
    {
        var directory = Path.Combine(Path.GetTempPath(), "clever-ca-keys-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            string fingerprint;
            using (var created = CaCredentials.LoadOrCreate(Options(directory, "right password"), TimeProvider.System))
            {
                Assert.That(created.Created, Is.True);
                fingerprint = ScepTrustAnchor.FingerprintOf(created.CaCertificate);
            }
            var keyPem = File.ReadAllText(Path.Combine(directory, "ca.key.pem"));
            Assert.That(keyPem, Does.StartWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
            var encryptedInfo = new AsnReader(Convert.FromBase64String(keyPem[PemEncoding.Find(keyPem).Base64Data]), AsnEncodingRules.DER).ReadSequence();
            Assert.That(encryptedInfo.ReadSequence().ReadObjectIdentifier(), Is.EqualTo("1.2.840.113549.1.5.13"), "PBES2");

            using (var reloaded = CaCredentials.LoadOrCreate(Options(directory, "right password"), TimeProvider.System))
            {
                Assert.That(reloaded.Created, Is.False);
                Assert.That(ScepTrustAnchor.FingerprintOf(reloaded.CaCertificate), Is.EqualTo(fingerprint), "the same CA, not a new one");
            }
            var failure = Assert.Throws<InvalidOperationException>(() => CaCredentials.LoadOrCreate(Options(directory, "wrong password"), TimeProvider.System));
            Assert.That(failure!.Message, Does.Contain("wrong key password"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void InvalidOptionsAreRefusedWithTheSettingNamed()
    {
        var result = new CertificateAuthorityOptionsValidator().Validate(null, new CertificateAuthorityOptions
        {
            StateDirectory = "",
            KeyEncryptionIterations = 10,
            CrlRefreshInterval = TimeSpan.FromHours(24),
            CrlValidity = TimeSpan.FromHours(12),
            Url = "ftp://nowhere",
        });

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("StateDirectory").And.Contain("KeyPassword").And.Contain("KeyEncryptionIterations")
            .And.Contain("CrlValidity").And.Contain("Url"));
    }

    [Test]
    public async Task AnRsa3072CaIssuesVerifiableCertificatesAndAnswersGetCert()
    {
        var directory = new InMemoryCertificateDirectory();
        await using var host = await CaTestHost.StartAsync(directory, new Dictionary<string, string> { ["CertificateAuthority:KeyAlgorithm"] = "Rsa3072" });
        const string address = "admin-rsa-ca@clever.test";
        var client = host.CreateClient();

        using var issued = await client.EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = address, Role = AgentRole.Administrator,
            ChallengePassword = host.Core.CreateChallenge(address, AgentRole.Administrator, TimeSpan.FromHours(1)),
        }, CancellationToken.None);

        using var caKey = host.Core.Credentials.CaCertificate.GetRSAPublicKey();
        Assert.That(caKey?.KeySize, Is.EqualTo(3072));
        Assert.That(CertificateChecks.ChainProblems(issued, host.Core.Credentials.CaCertificate), Is.Empty);

        // GetCert (messageType 21): IssuerAndSerialNumber in, the issued certificate out, encrypted to the asker.
        var issuerAndSerial = new AsnWriter(AsnEncodingRules.DER);
        using (issuerAndSerial.PushSequence())
        {
            issuerAndSerial.WriteEncodedValue(issued.IssuerName.RawData);
            issuerAndSerial.WriteInteger(issued.SerialNumberBytes.Span);
        }
        using var key = issued.GetECDsaPrivateKey()!;
        var request = new ScepPkiMessage
        {
            MessageType = ScepMessageType.GetCert, TransactionId = "GETCERT-1", SenderNonce = ScepPkiMessage.NewNonce(),
            Content = ScepEnvelope.Encrypt(issuerAndSerial.Encode(), host.Core.Credentials.RaCertificate),
        }.Encode(issued, key);
        var reply = await RawScep.ExchangeAsync(host, request);

        Assert.That(reply.PkiStatus, Is.EqualTo(ScepPkiStatus.Success));
        var returned = DegeneratePkcs7.Decode(ScepEnvelope.Decrypt(reply.Content, issued, key)).Certificates.Single();
        Assert.That(returned.RawData, Is.EqualTo(issued.RawData));
    }
}
