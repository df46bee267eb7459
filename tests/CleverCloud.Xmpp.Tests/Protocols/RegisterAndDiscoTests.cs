using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Disco;
using CleverCloud.Xmpp.Protocols.Forms;
using CleverCloud.Xmpp.Protocols.Register;

namespace CleverCloud.Xmpp.Tests.Protocols;

public sealed class RegisterAndDiscoTests
{
    [Test]
    public void Register_Xep0077Fields_ListWhatTheServerWants()
    {
        var iq = RoundTrip.Parse<Iq>(XepSamples.RegisterFields);

        var query = iq.GetPayload<RegisterQuery>()!;

        Assert.Multiple(() =>
        {
            Assert.That(query.RequestedFields, Is.EqualTo(new[] { "username", "password", "email" }));
            Assert.That(query.IsRegistered, Is.False);
            Assert.That(query.Instructions, Does.Contain("Choose a username and password"));
            Assert.That(query.Username, Is.Empty);
        });
    }

    [Test]
    public void Register_Xep0077CurrentRegistration()
    {
        var query = RoundTrip.Parse<Iq>(XepSamples.RegisterCurrent).GetPayload<RegisterQuery>()!;

        Assert.Multiple(() =>
        {
            Assert.That(query.IsRegistered, Is.True);
            Assert.That(query.Username, Is.EqualTo("juliet"));
            Assert.That(query.Password, Is.EqualTo("R0m30"));
            Assert.That(query.Email, Is.EqualTo("juliet@capulet.com"));
        });
    }

    [Test]
    public void Register_RegistrationAndRemovalRequests_RoundTrip()
    {
        var registration = RoundTrip.Through(RegisterQuery.CreateRegistration("hm-01", "s3cret", Jid.Parse("cloud.example")));
        var removal = RoundTrip.Through(RegisterQuery.CreateRemoval());
        var formRequest = RoundTrip.Through(RegisterQuery.CreateFormRequest());

        Assert.Multiple(() =>
        {
            Assert.That(registration.Type, Is.EqualTo(IqType.Set));
            Assert.That(registration.GetPayload<RegisterQuery>()!.Username, Is.EqualTo("hm-01"));
            Assert.That(registration.GetPayload<RegisterQuery>()!.Password, Is.EqualTo("s3cret"));
            Assert.That(removal.GetPayload<RegisterQuery>()!.IsRemove, Is.True);
            Assert.That(formRequest.Type, Is.EqualTo(IqType.Get));
            Assert.That(formRequest.GetPayload<RegisterQuery>()!.HasElements, Is.False);
        });
    }

    [Test]
    public void Register_DataFormVariant()
    {
        var query = new RegisterQuery { Form = new DataForm(DataFormType.Submit) };
        query.Form!.SetValue(DataForm.FormTypeField, "jabber:iq:register", FormFieldType.Hidden);
        query.Form.SetValue("username", "hm-02");

        var parsed = RoundTrip.Through(query);

        Assert.That(parsed.Form!.FormType, Is.EqualTo("jabber:iq:register"));
        Assert.That(parsed.Form.GetValue("username"), Is.EqualTo("hm-02"));
    }

    [Test]
    public void DiscoInfo_Xep0030Result_TypedAccessors()
    {
        // XEP-0030 §3.1 "Result-set for information request" (abridged).
        var iq = RoundTrip.Parse<Iq>(
            "<iq xmlns='jabber:client' type='result' from='plays.shakespeare.lit' to='romeo@montague.net/orchard' id='info1'>"
            + "<query xmlns='http://jabber.org/protocol/disco#info'>"
            + "<identity category='conference' type='text' name='Play-Specific Chatrooms'/>"
            + "<identity category='directory' type='chatroom' name='Play-Specific Chatrooms'/>"
            + "<feature var='http://jabber.org/protocol/disco#info'/><feature var='http://jabber.org/protocol/muc'/>"
            + "</query></iq>");

        var info = iq.GetPayload<DiscoInfo>()!;

        Assert.Multiple(() =>
        {
            Assert.That(info.Identities, Has.Count.EqualTo(2));
            Assert.That(info.Identities[0].Category, Is.EqualTo("conference"));
            Assert.That(info.Identities[0].IdentityName, Is.EqualTo("Play-Specific Chatrooms"));
            Assert.That(info.HasIdentity("conference", "text"), Is.True);
            Assert.That(info.HasFeature("http://jabber.org/protocol/muc"), Is.True);
            Assert.That(info.HasFeature("urn:xmpp:ping"), Is.False);
            Assert.That(info.Features.Select(f => f.Var), Has.Member("http://jabber.org/protocol/disco#info"));
        });
    }

    [Test]
    public void DiscoInfo_Built_RoundTrips()
    {
        var info = new DiscoInfo { Node = "n" }.AddIdentity("client", "bot", "hm").AddFeature("urn:xmpp:ping");

        var parsed = RoundTrip.Through(info);

        Assert.That(parsed.Node, Is.EqualTo("n"));
        Assert.That(parsed.Identities.Single().Type, Is.EqualTo("bot"));
        Assert.That(parsed.HasFeature("urn:xmpp:ping"), Is.True);
    }

    [Test]
    public void DiscoItems_RequestAndResult()
    {
        var request = RoundTrip.Through(DiscoItems.CreateRequest(Jid.Parse("conference.cloud.example")));
        var result = RoundTrip.Through(new DiscoItems().AddItem(Jid.Parse("clever@conference.cloud.example"), "CleverCloud"));

        Assert.That(request.GetPayload<DiscoItems>(), Is.Not.Null);
        Assert.That(result.Items.Single().Jid, Is.EqualTo(Jid.Parse("clever@conference.cloud.example")));
        Assert.That(result.Items.Single().ItemName, Is.EqualTo("CleverCloud"));
    }

    [Test]
    public void DiscoItem_BadJid_ThrowsMalformedElement()
    {
        var items = RoundTrip.Parse<DiscoItems>("<query xmlns='http://jabber.org/protocol/disco#items'><item jid='@bad'/></query>");

        Assert.Throws<MalformedElementException>(() => _ = items.Items[0].Jid);
    }
}
