using System.Text;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Sasl;

namespace CleverCloud.Xmpp.Tests.Sasl;

public sealed class ScramMechanismTests
{
    private const string Rfc5802ClientNonce = "fyko+d2lbbFgONRv9qkxdawL";
    private const string Rfc5802ServerFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    private const string Rfc5802ClientFinal = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
    private const string Rfc5802ServerFinal = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

    private const string Rfc7677ClientNonce = "rOprNGfwEbeRWgbNEkqO";
    private const string Rfc7677ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string Rfc7677ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string Rfc7677ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static ScramMechanism Create(ScramHash hash, string nonce, ScramOptions? options = null) =>
        new(hash, "user", "pencil", options: new ScramOptions
        {
            ClientNonceFactory = () => nonce,
            MinimumIterations = options?.MinimumIterations ?? ScramOptions.DefaultMinimumIterations,
        });

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[]? bytes) => Encoding.UTF8.GetString(bytes!);

    [Test]
    public void ScramSha1_Rfc5802TestVector_IsByteExact_AndServerSignatureVerifies()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);

        var clientFirst = Text(scram.InitialResponse());
        var clientFinal = Text(scram.Challenge(Bytes(Rfc5802ServerFirst)));

        Assert.Multiple(() =>
        {
            Assert.That(scram.Name, Is.EqualTo("SCRAM-SHA-1"));
            Assert.That(clientFirst, Is.EqualTo("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"));
            Assert.That(clientFinal, Is.EqualTo(Rfc5802ClientFinal));
        });
        Assert.DoesNotThrow(() => scram.Success(Bytes(Rfc5802ServerFinal)));
    }

    [Test]
    public void ScramSha256_Rfc7677TestVector_IsByteExact_AndServerSignatureVerifies()
    {
        var scram = Create(ScramHash.Sha256, Rfc7677ClientNonce);

        var clientFirst = Text(scram.InitialResponse());
        var clientFinal = Text(scram.Challenge(Bytes(Rfc7677ServerFirst)));

        Assert.Multiple(() =>
        {
            Assert.That(scram.Name, Is.EqualTo("SCRAM-SHA-256"));
            Assert.That(clientFirst, Is.EqualTo("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
            Assert.That(clientFinal, Is.EqualTo(Rfc7677ClientFinal));
        });
        Assert.DoesNotThrow(() => scram.Success(Bytes(Rfc7677ServerFinal)));
    }

    [Test]
    public void ServerFinalInAChallenge_ThenEmptySuccess_IsAccepted()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();
        scram.Challenge(Bytes(Rfc5802ServerFirst));

        var response = scram.Challenge(Bytes(Rfc5802ServerFinal));

        Assert.That(response, Is.Empty);
        Assert.DoesNotThrow(() => scram.Success(ReadOnlySpan<byte>.Empty));
    }

    [TestCase("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=", ScramHash.Sha256)]
    [TestCase("v=AAF9pqV8S7suAoZWja4dJRkFsKQ=", ScramHash.Sha1)]
    public void TamperedServerSignature_ThrowsServerSignatureMismatch(string serverFinal, ScramHash hash)
    {
        var (nonce, serverFirst) = hash == ScramHash.Sha1
            ? (Rfc5802ClientNonce, Rfc5802ServerFirst)
            : (Rfc7677ClientNonce, Rfc7677ServerFirst);
        var scram = Create(hash, nonce);
        scram.InitialResponse();
        scram.Challenge(Bytes(serverFirst));

        var error = Assert.Throws<ServerSignatureMismatchException>(() => scram.Success(Bytes(serverFinal)));
        Assert.That(error!.IsTransient, Is.False);
    }

    [Test]
    public void SuccessWithoutServerSignature_IsRefused()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();
        scram.Challenge(Bytes(Rfc5802ServerFirst));

        var error = Assert.Throws<AuthenticationException>(() => scram.Success(ReadOnlySpan<byte>.Empty));
        Assert.That(error!.Message, Does.Contain("without its signature"));
    }

    [Test]
    public void ServerNonceNotExtendingClientNonce_ThrowsAuthenticationException()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();

        var error = Assert.Throws<AuthenticationException>(
            () => scram.Challenge(Bytes("r=XXXX+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")));
        Assert.That(error!.Message, Does.Contain("nonce"));
    }

    [Test]
    public void ServerNonceEqualToClientNonce_ThrowsAuthenticationException()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();

        Assert.Throws<AuthenticationException>(
            () => scram.Challenge(Bytes($"r={Rfc5802ClientNonce},s=QSXCR+Q6sek8bf92,i=4096")));
    }

    [Test]
    public void IterationCountBelowMinimum_ThrowsMechanismTooWeak()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();

        var error = Assert.Throws<AuthenticationException>(
            () => scram.Challenge(Bytes("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4095")));
        Assert.That(error!.Condition, Is.EqualTo(SaslFailureCondition.MechanismTooWeak));
        Assert.That(error.Message, Does.Contain("4095").And.Contain("4096"));
    }

    [Test]
    public void IterationMinimum_IsConfigurable()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce, new ScramOptions { MinimumIterations = 10_000 });
        scram.InitialResponse();

        Assert.Throws<AuthenticationException>(() => scram.Challenge(Bytes(Rfc5802ServerFirst)));
    }

    [TestCase("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92", "lacks")]
    [TestCase("s=QSXCR+Q6sek8bf92,r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096", "'r='")]
    [TestCase("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=many", "iteration count")]
    [TestCase("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=99999999", "maximum")]
    [TestCase("m=ext,r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096", "mandatory extension")]
    [TestCase("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=,i=4096", "salt is empty")]
    public void MalformedServerFirst_ThrowsMalformedRequest(string serverFirst, string messageFragment)
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();

        var error = Assert.Throws<AuthenticationException>(() => scram.Challenge(Bytes(serverFirst)));
        Assert.That(error!.Condition, Is.EqualTo(SaslFailureCondition.MalformedRequest));
        Assert.That(error.Message, Does.Contain(messageFragment));
    }

    [Test]
    public void SaltNotBase64_ThrowsIncorrectEncoding()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();

        var error = Assert.Throws<AuthenticationException>(
            () => scram.Challenge(Bytes("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=***,i=4096")));
        Assert.That(error!.Condition, Is.EqualTo(SaslFailureCondition.IncorrectEncoding));
    }

    [Test]
    public void InvalidUtf8FromServer_ThrowsIncorrectEncoding()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();

        var error = Assert.Throws<AuthenticationException>(() => scram.Challenge(new byte[] { 0x72, 0x3d, 0xff, 0xfe }));
        Assert.That(error!.Condition, Is.EqualTo(SaslFailureCondition.IncorrectEncoding));
    }

    [Test]
    public void ServerErrorAttribute_ThrowsAuthenticationExceptionWithServerText()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();
        scram.Challenge(Bytes(Rfc5802ServerFirst));

        var error = Assert.Throws<AuthenticationException>(() => scram.Success(Bytes("e=invalid-proof")));
        Assert.That(error, Is.Not.InstanceOf<ServerSignatureMismatchException>());
        Assert.That(error!.ServerText, Is.EqualTo("invalid-proof"));
        Assert.That(error.Message, Does.Contain("invalid-proof"));
    }

    [Test]
    public void ServerErrorInsteadOfServerFirst_ThrowsAuthenticationException()
    {
        var scram = Create(ScramHash.Sha256, Rfc7677ClientNonce);
        scram.InitialResponse();

        var error = Assert.Throws<AuthenticationException>(() => scram.Challenge(Bytes("e=unknown-user")));
        Assert.That(error!.ServerText, Is.EqualTo("unknown-user"));
    }

    [Test]
    public void ChallengeAfterVerification_IsRefused()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();
        scram.Challenge(Bytes(Rfc5802ServerFirst));
        scram.Challenge(Bytes(Rfc5802ServerFinal));

        Assert.Throws<AuthenticationException>(() => scram.Challenge(Bytes("r=again")));
    }

    [Test]
    public void SuccessBeforeServerFirst_IsRefused()
    {
        var scram = Create(ScramHash.Sha1, Rfc5802ClientNonce);
        scram.InitialResponse();

        Assert.Throws<AuthenticationException>(() => scram.Success(ReadOnlySpan<byte>.Empty));
    }

    [Test]
    public void UsernameWithCommaAndEquals_IsEscaped()
    {
        var scram = new ScramMechanism(ScramHash.Sha256, "a,b=c", "p", options: new ScramOptions { ClientNonceFactory = () => "abc" });

        Assert.That(Text(scram.InitialResponse()), Is.EqualTo("n,,n=a=2Cb=3Dc,r=abc"));
    }

    [Test]
    public void AuthorizationId_GoesIntoGs2HeaderAndChannelBinding()
    {
        var scram = new ScramMechanism(ScramHash.Sha1, "user", "pencil", "admin@example", new ScramOptions { ClientNonceFactory = () => Rfc5802ClientNonce });

        var clientFirst = Text(scram.InitialResponse());
        var clientFinal = Text(scram.Challenge(Bytes(Rfc5802ServerFirst)));

        Assert.That(clientFirst, Does.StartWith("n,a=admin@example,n=user,"));
        Assert.That(clientFinal, Does.StartWith("c=" + Convert.ToBase64String(Bytes("n,a=admin@example,")) + ","));
    }

    [Test]
    public void DefaultNonce_IsRandomPrintableAndUnique()
    {
        var first = Text(new ScramMechanism(ScramHash.Sha1, "u", "p").InitialResponse());
        var second = Text(new ScramMechanism(ScramHash.Sha1, "u", "p").InitialResponse());

        Assert.That(first, Does.Match("^n,,n=u,r=[A-Za-z0-9+/]{32}$"));
        Assert.That(first, Is.Not.EqualTo(second));
    }

    [Test]
    public void Options_MaximumBelowMinimum_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => _ = new ScramMechanism(ScramHash.Sha1, "u", "p", options: new ScramOptions { MinimumIterations = 10, MaximumIterations = 5 }));
    }
}
