using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Bind;
using CleverCloud.Xmpp.Protocols.Disco;
using CleverCloud.Xmpp.Protocols.Forms;
using CleverCloud.Xmpp.Protocols.Ping;
using CleverCloud.Xmpp.Protocols.Register;
using CleverCloud.Xmpp.Protocols.SaslElements;
using CleverCloud.Xmpp.Protocols.Streams;
using CleverCloud.Xmpp.Protocols.Tls;

namespace CleverCloud.Xmpp.Tests.Protocols;

public sealed class DefaultRegistryTests
{
    private static IEnumerable<TestCaseData> ExtensionElements()
    {
        yield return Case<StreamFeatures>("http://etherx.jabber.org/streams", "features");
        yield return Case<StartTls>("urn:ietf:params:xml:ns:xmpp-tls", "starttls");
        yield return Case<TlsProceed>("urn:ietf:params:xml:ns:xmpp-tls", "proceed");
        yield return Case<TlsFailure>("urn:ietf:params:xml:ns:xmpp-tls", "failure");
        yield return Case<SaslMechanisms>("urn:ietf:params:xml:ns:xmpp-sasl", "mechanisms");
        yield return Case<SaslAuth>("urn:ietf:params:xml:ns:xmpp-sasl", "auth");
        yield return Case<SaslChallenge>("urn:ietf:params:xml:ns:xmpp-sasl", "challenge");
        yield return Case<SaslResponse>("urn:ietf:params:xml:ns:xmpp-sasl", "response");
        yield return Case<SaslSuccess>("urn:ietf:params:xml:ns:xmpp-sasl", "success");
        yield return Case<SaslFailure>("urn:ietf:params:xml:ns:xmpp-sasl", "failure");
        yield return Case<SaslAbort>("urn:ietf:params:xml:ns:xmpp-sasl", "abort");
        yield return Case<ResourceBinding>("urn:ietf:params:xml:ns:xmpp-bind", "bind");
        yield return Case<SessionRequest>("urn:ietf:params:xml:ns:xmpp-session", "session");
        yield return Case<DataForm>("jabber:x:data", "x");
        yield return Case<FormField>("jabber:x:data", "field");
        yield return Case<FormOption>("jabber:x:data", "option");
        yield return Case<RegisterQuery>("jabber:iq:register", "query");
        yield return Case<DiscoInfo>("http://jabber.org/protocol/disco#info", "query");
        yield return Case<DiscoIdentity>("http://jabber.org/protocol/disco#info", "identity");
        yield return Case<DiscoFeature>("http://jabber.org/protocol/disco#info", "feature");
        yield return Case<DiscoItems>("http://jabber.org/protocol/disco#items", "query");
        yield return Case<DiscoItem>("http://jabber.org/protocol/disco#items", "item");
        yield return Case<XmppPing>("urn:xmpp:ping", "ping");
        yield return Case<Message>("jabber:server", "message");
        yield return Case<Presence>("jabber:server", "presence");
        yield return Case<Iq>("jabber:server", "iq");
        yield return Case<StanzaError>("jabber:server", "error");
    }

    private static TestCaseData Case<T>(string ns, string localName) =>
        new TestCaseData(XName.Get(localName, ns), typeof(T)).SetArgDisplayNames($"{{{ns}}}{localName}");

    [TestCaseSource(nameof(ExtensionElements))]
    public void CreateDefault_RegistersElement(XName name, Type expected)
    {
        var element = RoundTrip.Registry.Create(name);

        Assert.That(element, Is.InstanceOf(expected));
        Assert.That(element.Name, Is.EqualTo(name));
    }
}
