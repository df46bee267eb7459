using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Bind;
using CleverCloud.Xmpp.Protocols.Ping;
using CleverCloud.Xmpp.Protocols.SaslElements;
using CleverCloud.Xmpp.Protocols.Streams;
using CleverCloud.Xmpp.Protocols.Tls;

namespace CleverCloud.Xmpp.Tests.Protocols;

public sealed class StreamNegotiationTests
{
    [Test]
    public void Features_BeforeTls_OfferStartTlsRequiredAndMechanismsAndRegistration()
    {
        var features = RoundTrip.Parse<StreamFeatures>(
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
            + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
            + "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
            + "<register xmlns='http://jabber.org/features/iq-register'/></stream:features>");

        Assert.Multiple(() =>
        {
            Assert.That(features.IsStartTlsOffered, Is.True);
            Assert.That(features.IsStartTlsRequired, Is.True);
            Assert.That(features.Mechanisms, Is.EqualTo(new[] { "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN" }));
            Assert.That(features.IsRegistrationOffered, Is.True);
            Assert.That(features.IsBindOffered, Is.False);
        });
    }

    [Test]
    public void Features_AfterAuthentication_OfferBindAndOptionalSession()
    {
        var features = RoundTrip.Parse<StreamFeatures>(
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
            + "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
            + "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>");

        Assert.Multiple(() =>
        {
            Assert.That(features.IsBindOffered, Is.True);
            Assert.That(features.IsSessionRequired, Is.False);
            Assert.That(features.Mechanisms, Is.Empty);
            Assert.That(features.IsStartTlsOffered, Is.False);
            Assert.That(features.IsStartTlsRequired, Is.False);
        });
    }

    [Test]
    public void Features_SessionWithoutOptional_IsRequired()
    {
        var features = RoundTrip.Parse<StreamFeatures>(
            "<features xmlns='http://etherx.jabber.org/streams'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></features>");

        Assert.That(features.IsSessionRequired, Is.True);
    }

    [Test]
    public void Features_BuiltByHand_RoundTrip()
    {
        var features = new StreamFeatures();
        features.Add(new StartTls { IsRequired = true });
        features.Add(new SaslMechanisms(["SCRAM-SHA-256", "SCRAM-SHA-1"]));

        var parsed = RoundTrip.Through(features);

        Assert.That(parsed.StartTls, Is.InstanceOf<StartTls>());
        Assert.That(parsed.Mechanisms, Is.EqualTo(new[] { "SCRAM-SHA-256", "SCRAM-SHA-1" }));
    }

    [Test]
    public void StartTls_ProceedAndFailure_ParseTyped()
    {
        Assert.Multiple(() =>
        {
            Assert.That(RoundTrip.Registry.Parse("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), Is.InstanceOf<TlsProceed>());
            Assert.That(RoundTrip.Registry.Parse("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), Is.InstanceOf<TlsFailure>());
            Assert.That(RoundTrip.Through(new StartTls()).IsRequired, Is.False);
        });
    }

    [Test]
    public void SaslAuth_WithInitialResponse_IsBase64()
    {
        var auth = new SaslAuth("SCRAM-SHA-1", "n,,n=user,r=abc"u8.ToArray());

        var parsed = RoundTrip.Through(auth);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Mechanism, Is.EqualTo("SCRAM-SHA-1"));
            Assert.That(parsed.Value, Is.EqualTo("biwsbj11c2VyLHI9YWJj"));
            Assert.That(parsed.Payload, Is.EqualTo("n,,n=user,r=abc"u8.ToArray()));
        });
    }

    [Test]
    public void SaslAuth_EmptyInitialResponse_IsEqualsSign()
    {
        var auth = new SaslAuth("EXTERNAL", []);

        Assert.That(auth.Value, Is.EqualTo("="));
        Assert.That(RoundTrip.Through(auth).Payload, Is.Empty);
    }

    [Test]
    public void SaslAuth_NoInitialResponse_HasNoText()
    {
        var auth = new SaslAuth("PLAIN", null);

        Assert.That(auth.IsEmpty, Is.True);
        Assert.That(RoundTrip.Through(auth).Payload, Is.Null);
    }

    [Test]
    public void SaslChallengeAndSuccess_DecodePayload()
    {
        var challenge = RoundTrip.Parse<SaslChallenge>("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1hYmM=</challenge>");
        var success = RoundTrip.Parse<SaslSuccess>("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");

        Assert.That(challenge.Payload, Is.EqualTo("r=abc"u8.ToArray()));
        Assert.That(success.Payload, Is.Null);
    }

    [Test]
    public void SaslPayload_NotBase64_ThrowsMalformedElement()
    {
        var challenge = RoundTrip.Parse<SaslChallenge>("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%%%</challenge>");

        Assert.Throws<MalformedElementException>(() => _ = challenge.Payload);
    }

    [Test]
    public void SaslResponse_And_Abort_RoundTrip()
    {
        Assert.That(RoundTrip.Through(new SaslResponse([1, 2, 3])).Payload, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(RoundTrip.Through(new SaslAbort()).Name.LocalName, Is.EqualTo("abort"));
    }

    [Test]
    public void SaslFailure_ParsesConditionAndText()
    {
        // RFC 6120 §6.4.5 example.
        var failure = RoundTrip.Parse<SaslFailure>(
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><account-disabled/><text xml:lang='en'>Call 212-555-1212 for help.</text></failure>");

        var exception = failure.ToException("SCRAM-SHA-1");

        Assert.Multiple(() =>
        {
            Assert.That(failure.Condition, Is.EqualTo(SaslFailureCondition.AccountDisabled));
            Assert.That(failure.Text, Is.EqualTo("Call 212-555-1212 for help."));
            Assert.That(exception.Condition, Is.EqualTo(SaslFailureCondition.AccountDisabled));
            Assert.That(exception.IsTransient, Is.False);
            Assert.That(exception.Message, Does.Contain("account-disabled").And.Contain("212-555-1212"));
        });
    }

    [Test]
    public void SaslFailure_TemporaryAuthFailure_IsTransient()
    {
        var failure = RoundTrip.Through(new SaslFailure(SaslFailureCondition.TemporaryAuthFailure, "later"));

        Assert.That(failure.ToException("PLAIN").IsTransient, Is.True);
    }

    [Test]
    public void SaslFailure_UnknownCondition_ReportsNotAuthorizedWithName()
    {
        var failure = RoundTrip.Parse<SaslFailure>("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><bogus-condition/></failure>");

        Assert.That(failure.Condition, Is.Null);
        Assert.That(failure.ToException("PLAIN").Condition, Is.EqualTo(SaslFailureCondition.NotAuthorized));
        Assert.That(failure.ToException("PLAIN").Message, Does.Contain("bogus-condition"));
    }

    [Test]
    public void Bind_RequestAndResult()
    {
        var request = RoundTrip.Through(ResourceBinding.Request("hm-01"));
        var result = RoundTrip.Parse<ResourceBinding>(
            "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>hm-01@cloud.example/hm-01</jid></bind>");

        Assert.That(request.Resource, Is.EqualTo("hm-01"));
        Assert.That(request.Jid, Is.Null);
        Assert.That(result.Jid, Is.EqualTo(Jid.Parse("hm-01@cloud.example/hm-01")));
    }

    [Test]
    public void Bind_InvalidJid_ThrowsMalformedElement()
    {
        var result = RoundTrip.Parse<ResourceBinding>("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@@b</jid></bind>");

        Assert.Throws<MalformedElementException>(() => _ = result.Jid);
    }

    [Test]
    public void Ping_RequestIsIqGetWithPingPayload()
    {
        var iq = RoundTrip.Through(XmppPing.CreateRequest(Jid.Parse("cloud.example")));

        Assert.Multiple(() =>
        {
            Assert.That(iq.Type, Is.EqualTo(IqType.Get));
            Assert.That(iq.Id, Is.Not.Null);
            Assert.That(iq.GetPayload<XmppPing>(), Is.Not.Null);
            Assert.That(iq.Payload, Is.InstanceOf<XmppPing>());
        });
    }

    [Test]
    public void Ping_Xep0199Example_AnsweredWithEmptyResult()
    {
        var ping = RoundTrip.Parse<Iq>(
            "<iq xmlns='jabber:client' from='capulet.lit' to='juliet@capulet.lit/balcony' id='s2c1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>");

        var pong = RoundTrip.Through(ping.CreateResult());

        Assert.That(pong.Id, Is.EqualTo("s2c1"));
        Assert.That(pong.To, Is.EqualTo(Jid.Parse("capulet.lit")));
        Assert.That(pong.HasElements, Is.False);
    }
}
