using System.Text;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Sasl;

namespace CleverCloud.Xmpp.Tests.Sasl;

public sealed class SaslMechanismTests
{
    private static readonly SaslCredentials Password = SaslCredentials.ForPassword("hm-01", "secret");

    [Test]
    public void Plain_InitialResponse_IsNulSeparated()
    {
        var plain = new PlainMechanism("tim", "tanstaaftanstaaf");

        Assert.That(plain.InitialResponse(), Is.EqualTo(Encoding.UTF8.GetBytes("\0tim\0tanstaaftanstaaf")));
        Assert.That(plain.RequiresTls, Is.True);
    }

    [Test]
    public void Plain_WithAuthorizationId_PutsItFirst()
    {
        var plain = new PlainMechanism("Kurt", "xipj3plmq", "Ursel");

        Assert.That(plain.InitialResponse(), Is.EqualTo(Encoding.UTF8.GetBytes("Ursel\0Kurt\0xipj3plmq")));
    }

    [Test]
    public void Plain_NulInPassword_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => _ = new PlainMechanism("u", "a\0b"));
    }

    [Test]
    public void Plain_UnexpectedChallenge_ThrowsMalformedRequest()
    {
        var plain = new PlainMechanism("u", "p");
        plain.InitialResponse();

        var error = Assert.Throws<AuthenticationException>(() => plain.Challenge("x"u8));
        Assert.That(error!.Condition, Is.EqualTo(SaslFailureCondition.MalformedRequest));
    }

    [Test]
    public void External_WithoutAuthzid_SendsEmptyResponse()
    {
        var external = new ExternalMechanism();

        Assert.That(external.InitialResponse(), Is.Empty);
        Assert.That(external.RequiresTls, Is.True);
    }

    [Test]
    public void External_WithAuthzid_SendsIt()
    {
        Assert.That(new ExternalMechanism("hm-01@example").InitialResponse(), Is.EqualTo("hm-01@example"u8.ToArray()));
    }

    [Test]
    public void Selector_PrefersScramSha256OverSha1AndPlain()
    {
        var mechanism = new SaslMechanismSelector().Select(["PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"], Password, tlsEstablished: true);

        Assert.That(mechanism.Name, Is.EqualTo("SCRAM-SHA-256"));
    }

    [Test]
    public void Selector_NeverPicksPlusVariants()
    {
        // ejabberd's list: the -PLUS variants need channel binding, which the client does not do (RFC 5802 §6).
        var mechanism = new SaslMechanismSelector().Select(
            ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "X-OAUTH2"], Password, tlsEstablished: true);

        Assert.That(mechanism.Name, Is.EqualTo("SCRAM-SHA-1"));
        Assert.That(mechanism, Is.InstanceOf<ScramMechanism>());
    }

    [Test]
    public void Selector_OnlyPlusVariants_ThrowsInvalidMechanismExplainingWhy()
    {
        var error = Assert.Throws<AuthenticationException>(
            () => new SaslMechanismSelector().Select(["SCRAM-SHA-1-PLUS"], Password, tlsEstablished: true));

        Assert.That(error!.Condition, Is.EqualTo(SaslFailureCondition.InvalidMechanism));
        Assert.That(error.Message, Does.Contain("channel binding"));
    }

    [Test]
    public void Selector_PlainWithoutTls_IsRefusedWithEncryptionRequired()
    {
        var error = Assert.Throws<AuthenticationException>(
            () => new SaslMechanismSelector().Select(["PLAIN"], Password, tlsEstablished: false));

        Assert.That(error!.Condition, Is.EqualTo(SaslFailureCondition.EncryptionRequired));
        Assert.That(error.Message, Does.Contain("PLAIN"));
    }

    [Test]
    public void Selector_PlainWithTls_IsAccepted()
    {
        var mechanism = new SaslMechanismSelector().Select(["PLAIN"], Password, tlsEstablished: true);

        Assert.That(mechanism, Is.InstanceOf<PlainMechanism>());
    }

    [Test]
    public void Selector_ExternalFirstWhenCertificateAndTls()
    {
        var credentials = new SaslCredentials("hm-01", "secret", hasClientCertificate: true);

        var mechanism = new SaslMechanismSelector().Select(["SCRAM-SHA-256", "EXTERNAL"], credentials, tlsEstablished: true);

        Assert.That(mechanism, Is.InstanceOf<ExternalMechanism>());
    }

    [Test]
    public void Selector_ExternalSkippedWithoutTls()
    {
        var credentials = new SaslCredentials("hm-01", "secret", hasClientCertificate: true);

        var mechanism = new SaslMechanismSelector().Select(["SCRAM-SHA-256", "EXTERNAL"], credentials, tlsEstablished: false);

        Assert.That(mechanism.Name, Is.EqualTo("SCRAM-SHA-256"));
    }

    [Test]
    public void Selector_ExternalNotOfferedAndNoPassword_ThrowsInvalidMechanism()
    {
        var error = Assert.Throws<AuthenticationException>(
            () => new SaslMechanismSelector().Select(["SCRAM-SHA-1", "PLAIN"], SaslCredentials.ForClientCertificate(), tlsEstablished: true));

        Assert.That(error!.Condition, Is.EqualTo(SaslFailureCondition.InvalidMechanism));
        Assert.That(error.Message, Does.Contain("SCRAM-SHA-1").And.Contain("EXTERNAL"));
    }

    [Test]
    public void Selector_NothingOffered_ThrowsInvalidMechanism()
    {
        var error = Assert.Throws<AuthenticationException>(
            () => new SaslMechanismSelector().Select([], Password, tlsEstablished: true));

        Assert.That(error!.Message, Does.Contain("no SASL mechanism"));
    }

    [Test]
    public void Selector_NamesAreCaseSensitive()
    {
        Assert.Throws<AuthenticationException>(
            () => new SaslMechanismSelector().Select(["scram-sha-1"], Password, tlsEstablished: true));
    }

    [Test]
    public void Credentials_PasswordWithoutUsername_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => _ = new SaslCredentials(null, "secret"));
        Assert.Throws<ArgumentException>(() => _ = new SaslCredentials("u", null));
    }

    [Test]
    public void Credentials_ToString_HidesPassword()
    {
        Assert.That(Password.ToString(), Does.Not.Contain("secret"));
    }
}
