using System.Text;
using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Muc;
using CleverCloud.Xmpp.Protocols.SaslElements;
using CleverCloud.Xmpp.Protocols.Streams;
using CleverCloud.Xmpp.Xml;

namespace CleverCloud.Xmpp.Tests.Protocols;

/// <summary>The registry as the stream parser's factory: stanzas of a real stream come out as typed elements.</summary>
public sealed class StreamParserRegistryTests
{
    // Children inherit jabber:client from the stream header's default namespace, as on the wire.
    private const string ServerStream =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
        + "from='cloud.example' id='s1' version='1.0' xml:lang='en'>"
        + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>"
        + "<presence from='clever@conference.cloud.example/hm-01' to='hm-01@cloud.example/agent' id='j1'>"
        + "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='hm-01@cloud.example/agent'/>"
        + "<status code='100'/><status code='110'/></x></presence>"
        + "<message type='groupchat' from='clever@conference.cloud.example/cm' id='m1'><body>héllo &amp; bye</body></message>"
        + "<iq type='error' id='q1'><error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
        + "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"
        + "</stream:stream>";

    private sealed class Collector : IStreamParserHandler
    {
        public List<XElement> Elements { get; } = [];
        public bool Ended { get; private set; }

        public void OnStreamStart(XElement header)
        {
        }

        public void OnElement(XElement element) => Elements.Add(element);

        public void OnStreamEnd() => Ended = true;
    }

    private static Collector ParseInChunks(int chunkSize)
    {
        var collector = new Collector();
        var parser = new StreamParser(collector, ElementRegistry.CreateDefault());
        var bytes = Encoding.UTF8.GetBytes(ServerStream);
        for (var offset = 0; offset < bytes.Length; offset += chunkSize)
        {
            parser.Push(bytes.AsSpan(offset, Math.Min(chunkSize, bytes.Length - offset)));
        }

        return collector;
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(4096)]
    public void RealStream_YieldsTypedElements(int chunkSize)
    {
        var collector = ParseInChunks(chunkSize);
        var elements = collector.Elements;

        Assert.That(elements, Has.Count.EqualTo(5));
        Assert.Multiple(() =>
        {
            Assert.That(collector.Ended, Is.True);
            Assert.That(elements[0], Is.InstanceOf<StreamFeatures>());
            Assert.That(((StreamFeatures)elements[0]).Mechanisms, Is.EqualTo(new[] { "SCRAM-SHA-1" }));
            Assert.That(elements[0].Element(SaslMechanisms.ElementName), Is.InstanceOf<SaslMechanisms>());

            var presence = (Presence)elements[1];
            var user = presence.Elements().Single();
            Assert.That(user, Is.InstanceOf<MucUser>(), "the factory must type nested extension elements too");
            Assert.That(((MucUser)user).IsSelfPresence, Is.True);
            Assert.That(((MucUser)user).Item!.Jid, Is.EqualTo(Jid.Parse("hm-01@cloud.example/agent")));

            var message = (Message)elements[2];
            Assert.That(message.Type, Is.EqualTo(MessageType.Groupchat));
            Assert.That(message.Body, Is.EqualTo("héllo & bye"));

            var iq = (Iq)elements[3];
            Assert.That(iq.Element(XmppNamespaces.Client + "error"), Is.InstanceOf<StanzaError>());
            Assert.That(iq.ToException().IsTransient, Is.True);

            Assert.That(elements[4], Is.InstanceOf<StreamError>());
            Assert.That(((StreamError)elements[4]).Condition, Is.EqualTo(StreamErrorCondition.SystemShutdown));
        });
    }
}
