using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Tests.Support;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;

namespace CleverCloud.CertificateAuthority.Tests;

/// <summary>
/// Every kind of bad request gets the specific SCEP failure (or a clear HTTP error), and leaves nothing issued
/// (CA index unchanged) and nothing published.
/// </summary>
[TestFixture]
public sealed class BadInputTests
{
    private readonly InMemoryCertificateDirectory directory = new();
    private CaTestHost host = null!;
    private long certificatesBefore;
    private int publicationsBefore;

    [OneTimeSetUp]
    public async Task StartCa() => host = await CaTestHost.StartAsync(directory);

    [OneTimeTearDown]
    public async Task StopCa() => await host.DisposeAsync();

    [SetUp]
    public void RememberState()
    {
        directory.Available = true;
        certificatesBefore = host.Store.CountCertificates();
        publicationsBefore = directory.PublishCount;
    }

    private void AssertNothingIssued()
    {
        Assert.That(host.Store.CountCertificates(), Is.EqualTo(certificatesBefore), "CA index unchanged");
        Assert.That(directory.PublishCount, Is.EqualTo(publicationsBefore), "nothing published");
    }

    private string Challenge(string address, AgentRole role = AgentRole.HostManager) => host.Core.CreateChallenge(address, role, TimeSpan.FromHours(1));

    private static EnrollmentRequest Request(string address, string challenge, AgentRole role = AgentRole.HostManager, AsymmetricAlgorithm? key = null) => new()
    {
        XmppAddress = address,
        Role = role,
        ChallengePassword = challenge,
        Key = key ?? ECDsa.Create(ECCurve.NamedCurves.nistP256),
        PollInterval = TimeSpan.FromMilliseconds(100),
        MaxWait = TimeSpan.FromMilliseconds(300),
    };

    [Test]
    public async Task MalformedPkcs7IsHttp400WithAReason()
    {
        using var response = await RawScep.PostAsync(host, RandomNumberGenerator.GetBytes(600));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("not a parsable CMS SignedData"));
        AssertNothingIssued();
    }

    [Test]
    public async Task TruncatedPkcs7IsHttp400()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string address = "hm-truncated@clever.test";
        var message = RawScep.PkcsReq(host, RawScep.Csr(address, AgentRole.HostManager, key, Challenge(address)), key, address);

        using var response = await RawScep.PostAsync(host, message[..(message.Length / 2)]);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        AssertNothingIssued();
    }

    [Test]
    public async Task GetWithANonBase64MessageIsHttp400()
    {
        using var response = await CaTestHost.Http.GetAsync(new Uri(host.Endpoint, "?operation=PKIOperation&message=%25%25not-base64%25%25"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("base64"));
    }

    [Test]
    public async Task AnUnknownOperationIsHttp400()
    {
        using var response = await CaTestHost.Http.GetAsync(new Uri(host.Endpoint, "?operation=GiveMeEverything"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("GiveMeEverything"));
    }

    [Test]
    public async Task AnOversizedRequestIsHttp413OverPostAndGet()
    {
        var huge = RandomNumberGenerator.GetBytes(70 * 1024);

        using var posted = await RawScep.PostAsync(host, huge);
        using var got = await CaTestHost.Http.GetAsync(new Uri(host.Endpoint, "?operation=PKIOperation&message=" + Uri.EscapeDataString(Convert.ToBase64String(huge))));

        Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(got.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        AssertNothingIssued();
    }

    [Test]
    public async Task AWrongSignatureOnTheRequestIsBadMessageCheck()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string address = "hm-tampered@clever.test";
        var message = RawScep.PkcsReq(host, RawScep.Csr(address, AgentRole.HostManager, key, Challenge(address)), key, address);
        // Flip one byte deep inside the encapsulated EnvelopedData: the signed messageDigest no longer matches.
        message[message.Length / 3] ^= 0x01;

        var reply = await RawScep.ExchangeAsync(host, message);

        Assert.That(reply.PkiStatus, Is.EqualTo(ScepPkiStatus.Failure));
        Assert.That(reply.FailInfo, Is.EqualTo(ScepFailInfo.BadMessageCheck));
        AssertNothingIssued();
    }

    [Test]
    public async Task ASha1MessageDigestIsBadAlg()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string address = "hm-sha1@clever.test";
        var message = RawScep.PkcsReqWithSha1Digest(host, RawScep.Csr(address, AgentRole.HostManager, key, Challenge(address)), key, address);

        var reply = await RawScep.ExchangeAsync(host, message);

        Assert.That(reply.FailInfo, Is.EqualTo(ScepFailInfo.BadAlg));
        AssertNothingIssued();
    }

    // The CSR names one key and is signed by another: no proof of possession. The SCEP message is signed either by the
    // CSR's signer, or by the key the CSR names (then the CA may check the CSR with the message signer's key, and the
    // CSR's own signature must still come from that key).
    [TestCase(false, "hm-no-pop@clever.test")]
    [TestCase(true, "hm-borrowed-key@clever.test")]
    public async Task ACsrWithoutProofOfPossessionIsBadMessageCheck(bool scepMessageSignedWithTheNamedKey, string address)
    {
        using var namedKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var csrSigner = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(ScepClient.SubjectFor(address), new PublicKey(namedKey), HashAlgorithmName.SHA256);
        request.OtherRequestAttributes.Add(new AsnEncodedData(CleverOids.ChallengePassword, PrintableString(Challenge(address))));
        var csr = request.CreateSigningRequest(X509SignatureGenerator.CreateForECDsa(csrSigner));

        var reply = await RawScep.ExchangeAsync(host, RawScep.PkcsReq(host, csr, scepMessageSignedWithTheNamedKey ? namedKey : csrSigner, address));

        Assert.That(reply.FailInfo, Is.EqualTo(ScepFailInfo.BadMessageCheck));
        AssertNothingIssued();
    }

    [Test]
    public async Task AFailedCommitLeavesNothingIssuedNothingPublishedAndTheChallengeUnused()
    {
        const string address = "hm-commit-fails@clever.test";
        var challenge = Challenge(address);
        // The store refuses this address's certificate as a failing disk would, after the directory has published it.
        await using (var database = OpenDatabase())
        {
            using var command = database.CreateCommand();
            command.CommandText = $"""
                CREATE TRIGGER refuse_commit BEFORE INSERT ON certificates WHEN NEW.address = '{address}'
                BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END;
                """;
            command.ExecuteNonQuery();
        }

        Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(Request(address, challenge), CancellationToken.None));

        Assert.That(host.Store.CountCertificates(), Is.EqualTo(certificatesBefore), "CA index unchanged");
        Assert.That(directory.Certificates.ContainsKey(address), Is.False, "the publication was rolled back");
        await using (var database = OpenDatabase())
        {
            using var command = database.CreateCommand();
            command.CommandText = "DROP TRIGGER refuse_commit";
            command.ExecuteNonQuery();
        }
        using var issued = await host.CreateClient().EnrollAsync(Request(address, challenge), CancellationToken.None);
        Assert.That(directory.Certificates[address], Is.EqualTo(issued.RawData), "the challenge was still unused");
    }

    private Microsoft.Data.Sqlite.SqliteConnection OpenDatabase()
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(host.StateDirectory, "ca.db")};Pooling=False");
        connection.Open();
        return connection;
    }

    [Test]
    public async Task AWeakCsrIsBadAlg()
    {
        const string address = "hm-weak@clever.test";
        using var weakRsa = RSA.Create(1024);
        using var envelopeKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var shortKeyCsr = RawScep.Csr(address, AgentRole.HostManager, weakRsa, Challenge(address));
        using var rsa = RSA.Create(2048);
        var sha1Request = new CertificateRequest(ScepClient.SubjectFor(address), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var sha1Csr = sha1Request.CreateSigningRequest(new Sha1RsaSignatureGenerator(rsa));

        var shortKeyReply = await RawScep.ExchangeAsync(host, RawScep.PkcsReq(host, shortKeyCsr, envelopeKey, address));
        var sha1Reply = await RawScep.ExchangeAsync(host, RawScep.PkcsReq(host, sha1Csr, envelopeKey, address));

        Assert.That(shortKeyReply.FailInfo, Is.EqualTo(ScepFailInfo.BadAlg));
        Assert.That(sha1Reply.FailInfo, Is.EqualTo(ScepFailInfo.BadAlg));
        AssertNothingIssued();
    }

    [Test]
    public void AnUnknownChallengeIsBadRequest()
    {
        var failure = Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(
            Request("hm-unknown@clever.test", "0123456789ABCDEF0123456789ABCDEF"), CancellationToken.None));

        Assert.That(failure!.FailInfo, Is.EqualTo(ScepFailInfo.BadRequest));
        Assert.That(failure.IsTransient, Is.False);
        AssertNothingIssued();
    }

    [Test]
    public async Task AMissingChallengeIsBadRequest()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        const string address = "hm-no-challenge@clever.test";

        var reply = await RawScep.ExchangeAsync(host, RawScep.PkcsReq(host, RawScep.Csr(address, AgentRole.HostManager, key, null), key, address));

        Assert.That(reply.FailInfo, Is.EqualTo(ScepFailInfo.BadRequest));
        AssertNothingIssued();
    }

    [Test]
    public async Task AReusedChallengeIsBadRequest()
    {
        const string address = "hm-reuse@clever.test";
        var challenge = Challenge(address);
        using var first = await host.CreateClient().EnrollAsync(Request(address, challenge), CancellationToken.None);
        RememberState();

        var failure = Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(Request(address, challenge), CancellationToken.None));

        Assert.That(failure!.FailInfo, Is.EqualTo(ScepFailInfo.BadRequest));
        AssertNothingIssued();
        Assert.That(directory.Certificates[address], Is.EqualTo(first.RawData), "the first certificate stays published");
    }

    [Test]
    public async Task ConcurrentRequestsWithOneChallengeIssueExactlyOnce()
    {
        const string address = "hm-race@clever.test";
        var challenge = Challenge(address);
        var attempts = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            try
            {
                using var certificate = await host.CreateClient().EnrollAsync(Request(address, challenge), CancellationToken.None);
                return (ScepFailInfo?)null;
            }
            catch (ScepException exception)
            {
                return exception.FailInfo ?? (ScepFailInfo)(-1);
            }
        })).ToList();

        var outcomes = await Task.WhenAll(attempts);

        Assert.That(outcomes.Count(outcome => outcome is null), Is.EqualTo(1), "one certificate");
        Assert.That(outcomes.Where(outcome => outcome is not null), Is.All.EqualTo(ScepFailInfo.BadRequest));
        Assert.That(host.Store.CountCertificates(), Is.EqualTo(certificatesBefore + 1));
    }

    [Test]
    public void AnExpiredChallengeIsBadRequest()
    {
        const string address = "hm-expired@clever.test";
        var now = DateTimeOffset.UtcNow;
        var challenge = host.Store.CreateChallenge(address, AgentRole.HostManager, now - TimeSpan.FromHours(2), now - TimeSpan.FromHours(1));

        var failure = Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(Request(address, challenge), CancellationToken.None));

        Assert.That(failure!.FailInfo, Is.EqualTo(ScepFailInfo.BadRequest));
        AssertNothingIssued();
    }

    [Test]
    public async Task ARoleOrAddressTheChallengeDoesNotAllowIsBadRequestAndDoesNotBurnTheChallenge()
    {
        const string address = "hm-bound@clever.test";
        var challenge = Challenge(address, AgentRole.HostManager);

        var wrongRole = Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(
            Request(address, challenge, AgentRole.ClusterManager), CancellationToken.None));
        var wrongAddress = Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(
            Request("cm-impostor@clever.test", challenge), CancellationToken.None));

        Assert.That(wrongRole!.FailInfo, Is.EqualTo(ScepFailInfo.BadRequest));
        Assert.That(wrongAddress!.FailInfo, Is.EqualTo(ScepFailInfo.BadRequest));
        AssertNothingIssued();
        using var rightful = await host.CreateClient().EnrollAsync(Request(address, challenge), CancellationToken.None);
        Assert.That(CertificateIdentity.Read(rightful), Is.EqualTo(((string?)address, (AgentRole?)AgentRole.HostManager)));
    }

    [Test]
    public async Task DirectoryDownMeansPendingWithNothingIssuedThenTheRetrySucceeds()
    {
        const string address = "hm-directory-down@clever.test";
        var challenge = Challenge(address);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        directory.Available = false;

        var failure = Assert.ThrowsAsync<ScepException>(() => host.CreateClient().EnrollAsync(Request(address, challenge, key: key), CancellationToken.None));

        Assert.That(failure!.IsTransient, Is.True, "PENDING until MaxWait: the client may retry");
        AssertNothingIssued();
        Assert.That(directory.Certificates.ContainsKey(address), Is.False);
        Assert.That(host.Store.FindPending(ScepClient.TransactionIdFor(key))?.State, Is.EqualTo(State.PendingState.AwaitingDirectory));

        directory.Available = true;
        using var issued = await host.CreateClient().EnrollAsync(Request(address, challenge, key: key), CancellationToken.None);

        Assert.That(directory.Certificates[address], Is.EqualTo(issued.RawData));
        Assert.That(host.Store.CountCertificates(), Is.EqualTo(certificatesBefore + 1));
        Assert.That(host.Store.FindPending(ScepClient.TransactionIdFor(key)), Is.Null);
    }

    private static byte[] PrintableString(string value)
    {
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        writer.WriteCharacterString(System.Formats.Asn1.UniversalTagNumber.PrintableString, value);
        return writer.Encode();
    }

    /// <summary>.NET no longer signs with SHA-1; a CSR from an old client still can be, so the test builds one.</summary>
    private sealed class Sha1RsaSignatureGenerator(RSA key) : X509SignatureGenerator
    {
        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
        {
            var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.1.5");
                writer.WriteNull();
            }
            return writer.Encode();
        }

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) =>
            key.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);

        protected override PublicKey BuildPublicKey() => new(key);
    }
}
