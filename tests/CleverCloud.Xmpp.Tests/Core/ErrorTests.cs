using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Tests.Core;

public sealed class ErrorTests
{
    private static readonly ElementRegistry Registry = ElementRegistry.CreateDefault();

    [Test]
    public void StanzaError_ParsesRfc6120Example()
    {
        // RFC 6120 §8.3.2 example shape, with an application-specific condition.
        var iq = (Iq)Registry.Parse(
            "<iq from='im.example.com' id='z91r2c85' to='juliet@im.example.com/balcony' type='error' xmlns='jabber:client'>"
            + "<error type='cancel' by='im.example.com'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            + "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>down for maintenance</text>"
            + "<too-many-parameters xmlns='http://example.org/ns'/></error></iq>");

        var error = iq.Error!;

        Assert.Multiple(() =>
        {
            Assert.That(error.Type, Is.EqualTo(StanzaErrorType.Cancel));
            Assert.That(error.Condition, Is.EqualTo(StanzaErrorCondition.ServiceUnavailable));
            Assert.That(error.Text, Is.EqualTo("down for maintenance"));
            Assert.That(error.By, Is.EqualTo(Jid.Parse("im.example.com")));
            Assert.That(error.ApplicationCondition!.Name.LocalName, Is.EqualTo("too-many-parameters"));
        });
    }

    [Test]
    public void StanzaError_UnknownCondition_ReadsAsUndefinedAndKeepsName()
    {
        var error = (StanzaError)Registry.Parse(
            "<error xmlns='jabber:client' type='cancel'><payment-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");

        Assert.That(error.Condition, Is.EqualTo(StanzaErrorCondition.UndefinedCondition));
        Assert.That(error.ConditionName, Is.EqualTo("payment-required"));
    }

    [Test]
    public void StanzaError_MissingConditionOrType_ThrowsMalformedElement()
    {
        var noCondition = (StanzaError)Registry.Parse("<error xmlns='jabber:client' type='cancel'/>");
        var noType = (StanzaError)Registry.Parse(
            "<error xmlns='jabber:client'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
        var badType = (StanzaError)Registry.Parse(
            "<error xmlns='jabber:client' type='later'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");

        Assert.Throws<MalformedElementException>(() => _ = noCondition.Condition);
        Assert.Throws<MalformedElementException>(() => _ = noType.Type);
        Assert.Throws<MalformedElementException>(() => _ = badType.Type);
    }

    [Test]
    public void StanzaError_RedirectCarriesAlternateAddress()
    {
        var error = (StanzaError)Registry.Parse(
            "<error xmlns='jabber:client' type='modify'><redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:other@example.com</redirect></error>");

        Assert.That(error.AlternateAddress, Is.EqualTo("xmpp:other@example.com"));
    }

    [Test]
    public void StanzaError_SettingConditionReplacesThePreviousOne()
    {
        var error = new StanzaError(StanzaErrorType.Modify, StanzaErrorCondition.BadRequest, "bad")
        {
            Condition = StanzaErrorCondition.NotAcceptable,
        };

        Assert.That(error.Elements().Count(e => e.Name.Namespace == XmppNamespaces.Stanzas && e.Name.LocalName != "text"), Is.EqualTo(1));
        Assert.That(error.Condition, Is.EqualTo(StanzaErrorCondition.NotAcceptable));
    }

    [TestCase(StanzaErrorType.Wait, true)]
    [TestCase(StanzaErrorType.Cancel, false)]
    [TestCase(StanzaErrorType.Auth, false)]
    [TestCase(StanzaErrorType.Modify, false)]
    public void StanzaErrorException_IsTransientOnlyForWait(StanzaErrorType type, bool transient)
    {
        var reply = new Iq { Type = IqType.Get, Id = "x" }.CreateError(new StanzaError(type, StanzaErrorCondition.ResourceConstraint));

        var exception = reply.ToException();

        Assert.That(exception.IsTransient, Is.EqualTo(transient));
        Assert.That(exception.Stanza, Is.SameAs(reply));
    }

    [Test]
    public void Stanza_ToException_ErrorTypeWithoutErrorChild_IsMalformed()
    {
        var message = (Message)Registry.Parse("<message xmlns='jabber:client' type='error' id='e1'/>");

        Assert.Throws<MalformedElementException>(() => message.ToException());
    }

    [Test]
    public void Stanza_ToException_MessageNamesConditionAndText()
    {
        var presence = (Presence)Registry.Parse(
            "<presence xmlns='jabber:client' type='error' from='room@muc.example/nick' id='j1'><error type='cancel'>"
            + "<registration-required xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            + "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>members only</text></error></presence>");

        var exception = presence.ToException();

        Assert.Multiple(() =>
        {
            Assert.That(exception.Condition, Is.EqualTo(StanzaErrorCondition.RegistrationRequired));
            Assert.That(exception.ErrorType, Is.EqualTo(StanzaErrorType.Cancel));
            Assert.That(exception.Message, Does.Contain("RegistrationRequired").And.Contain("members only").And.Contain("j1"));
        });
    }

    [Test]
    public void StreamError_ParsesConditionTextAndSeeOtherHost()
    {
        var error = (StreamError)Registry.Parse(
            "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
            + "<see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>[2001:db8::a]:5222</see-other-host>"
            + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>moving</text></stream:error>");

        var exception = error.ToException();

        Assert.Multiple(() =>
        {
            Assert.That(error.Condition, Is.EqualTo(StreamErrorCondition.SeeOtherHost));
            Assert.That(exception.AlternateHost, Is.EqualTo("[2001:db8::a]:5222"));
            Assert.That(exception.Text, Is.EqualTo("moving"));
            Assert.That(exception.IsTransient, Is.True);
            Assert.That(exception.Message, Does.Contain("see-other-host"));
        });
    }

    [TestCase(StreamErrorCondition.SystemShutdown, true)]
    [TestCase(StreamErrorCondition.ConnectionTimeout, true)]
    [TestCase(StreamErrorCondition.Reset, true)]
    [TestCase(StreamErrorCondition.SeeOtherHost, true)]
    [TestCase(StreamErrorCondition.Conflict, false)]
    [TestCase(StreamErrorCondition.NotAuthorized, false)]
    [TestCase(StreamErrorCondition.HostUnknown, false)]
    [TestCase(StreamErrorCondition.NotWellFormed, false)]
    [TestCase(StreamErrorCondition.PolicyViolation, false)]
    public void StreamErrorException_Transience(StreamErrorCondition condition, bool transient)
    {
        Assert.That(new StreamErrorException(condition).IsTransient, Is.EqualTo(transient));
    }

    [Test]
    public void StreamError_RoundTrips()
    {
        var error = new StreamError(StreamErrorCondition.PolicyViolation, "too fast");

        var parsed = (StreamError)Registry.Parse(error.ToString(SaveOptions.DisableFormatting));

        Assert.That(parsed.Condition, Is.EqualTo(StreamErrorCondition.PolicyViolation));
        Assert.That(parsed.Text, Is.EqualTo("too fast"));
    }

    [Test]
    public void StreamError_WithoutCondition_IsMalformed()
    {
        var error = (StreamError)Registry.Parse("<error xmlns='http://etherx.jabber.org/streams'/>");

        Assert.Throws<MalformedElementException>(() => _ = error.Condition);
    }

    [TestCase(SaslFailureCondition.TemporaryAuthFailure, true)]
    [TestCase(SaslFailureCondition.NotAuthorized, false)]
    [TestCase(SaslFailureCondition.AccountDisabled, false)]
    [TestCase(SaslFailureCondition.Aborted, false)]
    public void AuthenticationException_IsTransientOnlyForTemporaryFailure(SaslFailureCondition condition, bool transient)
    {
        Assert.That(new AuthenticationException(condition, "x").IsTransient, Is.EqualTo(transient));
    }

    [Test]
    public void ServerSignatureMismatch_IsAnAuthenticationException()
    {
        AuthenticationException error = new ServerSignatureMismatchException("SCRAM-SHA-1");

        Assert.That(error.IsTransient, Is.False);
        Assert.That(error.Message, Does.Contain("SCRAM-SHA-1"));
    }

    [Test]
    public void Registry_MalformedXml_ThrowsMalformedElement()
    {
        Assert.Throws<MalformedElementException>(() => Registry.Parse("<message xmlns='jabber:client'>"));
    }

    [Test]
    public void Error_OnJabberServerStanza_UsesServerNamespace()
    {
        var iq = (Iq)Registry.Create(XmppNamespaces.Server + "iq");
        iq.Type = IqType.Get;
        iq.Id = "s";

        var reply = iq.CreateError(StanzaError.Create(StanzaErrorCondition.Forbidden));

        Assert.That(reply.Name, Is.EqualTo(XmppNamespaces.Server + "iq"));
        Assert.That(reply.Element(XmppNamespaces.Server + "error"), Is.Not.Null);
    }
}
