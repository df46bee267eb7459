using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Tests.Core;

public sealed class StanzaTests
{
    private static readonly ElementRegistry Registry = ElementRegistry.CreateDefault();

    [Test]
    public void Message_BuildsAndReadsBack()
    {
        var message = new Message
        {
            To = Jid.Parse("room@conference.example"),
            From = Jid.Parse("cm@example/main"),
            Id = "m1",
            Type = MessageType.Groupchat,
            Body = "hello",
            Subject = "topic",
            Thread = "t1",
            Lang = "en",
        };

        var text = message.ToString(SaveOptions.DisableFormatting);
        var parsed = (Message)Registry.Parse(text);

        Assert.Multiple(() =>
        {
            Assert.That(text, Does.StartWith("<message "));
            Assert.That(text, Does.Contain("xmlns=\"jabber:client\""));
            Assert.That(parsed.To, Is.EqualTo(Jid.Parse("room@conference.example")));
            Assert.That(parsed.From, Is.EqualTo(Jid.Parse("cm@example/main")));
            Assert.That(parsed.Id, Is.EqualTo("m1"));
            Assert.That(parsed.Type, Is.EqualTo(MessageType.Groupchat));
            Assert.That(parsed.Body, Is.EqualTo("hello"));
            Assert.That(parsed.Subject, Is.EqualTo("topic"));
            Assert.That(parsed.Thread, Is.EqualTo("t1"));
            Assert.That(parsed.Lang, Is.EqualTo("en"));
        });
    }

    [Test]
    public void Message_WithoutType_IsNormal()
    {
        var message = (Message)Registry.Parse("<message xmlns='jabber:client'><body>x</body></message>");

        Assert.That(message.Type, Is.EqualTo(MessageType.Normal));
    }

    [Test]
    public void Message_UnknownType_ThrowsMalformedElement()
    {
        var message = (Message)Registry.Parse("<message xmlns='jabber:client' type='shout'/>");

        var error = Assert.Throws<MalformedElementException>(() => _ = message.Type);
        Assert.That(error!.Message, Does.Contain("shout"));
    }

    [Test]
    public void Message_SettingBodyToNull_RemovesElement()
    {
        var message = new Message { Body = "x" };
        message.Body = null;

        Assert.That(message.HasElements, Is.False);
    }

    [Test]
    public void Stanza_InvalidFromAddress_ThrowsMalformedElement()
    {
        var message = (Message)Registry.Parse("<message xmlns='jabber:client' from='a@b@c'/>");

        Assert.Throws<MalformedElementException>(() => _ = message.From);
    }

    [Test]
    public void Presence_WithoutType_IsAvailable_AndAvailableWritesNoAttribute()
    {
        var presence = new Presence { Type = PresenceType.Available, Show = PresenceShow.DoNotDisturb, Status = "busy", Priority = -5 };
        var parsed = (Presence)Registry.Parse(presence.ToString(SaveOptions.DisableFormatting));

        Assert.Multiple(() =>
        {
            Assert.That(presence.Attribute("type"), Is.Null);
            Assert.That(parsed.Type, Is.EqualTo(PresenceType.Available));
            Assert.That(parsed.Show, Is.EqualTo(PresenceShow.DoNotDisturb));
            Assert.That(parsed.Element(XmppNamespaces.Client + "show")!.Value, Is.EqualTo("dnd"));
            Assert.That(parsed.Status, Is.EqualTo("busy"));
            Assert.That(parsed.Priority, Is.EqualTo(-5));
        });
    }

    [TestCase("unavailable", PresenceType.Unavailable)]
    [TestCase("subscribe", PresenceType.Subscribe)]
    [TestCase("subscribed", PresenceType.Subscribed)]
    [TestCase("unsubscribe", PresenceType.Unsubscribe)]
    [TestCase("unsubscribed", PresenceType.Unsubscribed)]
    [TestCase("probe", PresenceType.Probe)]
    [TestCase("error", PresenceType.Error)]
    public void Presence_ParsesEveryType(string wire, PresenceType expected)
    {
        var presence = (Presence)Registry.Parse($"<presence xmlns='jabber:client' type='{wire}'/>");

        Assert.That(presence.Type, Is.EqualTo(expected));
    }

    [TestCase("200")]
    [TestCase("high")]
    public void Presence_BadPriority_ThrowsMalformedElement(string priority)
    {
        var presence = (Presence)Registry.Parse($"<presence xmlns='jabber:client'><priority>{priority}</priority></presence>");

        Assert.Throws<MalformedElementException>(() => _ = presence.Priority);
    }

    [Test]
    public void Presence_UnknownShow_ThrowsMalformedElement()
    {
        var presence = (Presence)Registry.Parse("<presence xmlns='jabber:client'><show>sleeping</show></presence>");

        var error = Assert.Throws<MalformedElementException>(() => _ = presence.Show);
        Assert.That(error!.Message, Does.Contain("sleeping"));
    }

    [Test]
    public void Presence_WithoutShowOrPriority_ReadsDefaults()
    {
        var presence = new Presence();

        Assert.That(presence.Show, Is.Null);
        Assert.That(presence.Priority, Is.Zero);
    }

    [Test]
    public void Iq_CreateResult_SwapsAddressesAndKeepsId()
    {
        var request = new Iq { Type = IqType.Get, Id = "q1", From = Jid.Parse("a@example/r"), To = Jid.Parse("example") };
        request.Add(new XElement(XmppNamespaces.Ping + "ping"));

        var result = request.CreateResult();

        Assert.Multiple(() =>
        {
            Assert.That(result.Type, Is.EqualTo(IqType.Result));
            Assert.That(result.Id, Is.EqualTo("q1"));
            Assert.That(result.To, Is.EqualTo(Jid.Parse("a@example/r")));
            Assert.That(result.From, Is.EqualTo(Jid.Parse("example")));
            Assert.That(result.Payload, Is.Null);
        });
    }

    [Test]
    public void Iq_CreateError_CarriesTheErrorElement()
    {
        var request = new Iq { Type = IqType.Set, Id = "q2", From = Jid.Parse("a@example/r") };

        var reply = request.CreateError(StanzaError.Create(StanzaErrorCondition.FeatureNotImplemented, "no"));
        var parsed = (Iq)Registry.Parse(reply.ToString(SaveOptions.DisableFormatting));

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Type, Is.EqualTo(IqType.Error));
            Assert.That(parsed.Id, Is.EqualTo("q2"));
            Assert.That(parsed.Error, Is.Not.Null);
            Assert.That(parsed.Error!.Type, Is.EqualTo(StanzaErrorType.Cancel));
            Assert.That(parsed.Error.Condition, Is.EqualTo(StanzaErrorCondition.FeatureNotImplemented));
            Assert.That(parsed.Error.Text, Is.EqualTo("no"));
        });
    }

    [Test]
    public void Iq_ReplyingToAResult_IsRefused()
    {
        var result = new Iq { Type = IqType.Result, Id = "r" };

        Assert.Throws<InvalidOperationException>(() => result.CreateResult());
    }

    [Test]
    public void Iq_MissingType_ThrowsMalformedElement()
    {
        var iq = (Iq)Registry.Parse("<iq xmlns='jabber:client' id='x'/>");

        var error = Assert.Throws<MalformedElementException>(() => _ = iq.Type);
        Assert.That(error!.Message, Does.Contain("type"));
    }

    [Test]
    public void Iq_Payload_SkipsErrorChild()
    {
        var iq = (Iq)Registry.Parse(
            "<iq xmlns='jabber:client' type='error' id='1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error><query xmlns='jabber:iq:version'/></iq>");

        Assert.That(iq.Payload!.Name, Is.EqualTo(XName.Get("query", "jabber:iq:version")));
    }

    [Test]
    public void NewId_IsFreshEachTime()
    {
        var first = Stanza.NewId();
        var second = Stanza.NewId();

        Assert.That(first, Is.Not.EqualTo(second));
        Assert.That(first, Has.Length.EqualTo(16));
    }
}
