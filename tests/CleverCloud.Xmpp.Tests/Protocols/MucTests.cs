using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Forms;
using CleverCloud.Xmpp.Protocols.Muc;

namespace CleverCloud.Xmpp.Tests.Protocols;

public sealed class MucTests
{
    private static readonly Jid Room = Jid.Parse("clever@conference.cloud.example");

    [Test]
    public void SelfPresence_Xep0045NonAnonymousExample_ReadsStatusCodesAndItem()
    {
        var presence = RoundTrip.Parse<Presence>(XepSamples.MucSelfPresenceNonAnonymous);

        var user = presence.GetExtension<MucUser>()!;

        Assert.Multiple(() =>
        {
            Assert.That(user, Is.InstanceOf<MucUser>());
            Assert.That(user.StatusCodes, Is.EqualTo(new[] { 100, 110, 210 }));
            Assert.That(user.IsSelfPresence, Is.True);
            Assert.That(user.HasStatus(MucStatusCodes.NonAnonymous), Is.True);
            Assert.That(user.HasStatus(MucStatusCodes.RoomCreated), Is.False);
            Assert.That(user.Item!.Affiliation, Is.EqualTo(MucAffiliation.Member));
            Assert.That(user.Item.Role, Is.EqualTo(MucRole.Participant));
            Assert.That(user.Item.Jid, Is.Null);
            Assert.That(presence.From!.Resource, Is.EqualTo("thirdwitch"));
        });
    }

    [Test]
    public void RoomCreated_Xep0045Example_HasStatus201AndOwner()
    {
        var user = RoundTrip.Parse<Presence>(XepSamples.MucRoomCreated).GetExtension<MucUser>()!;

        Assert.Multiple(() =>
        {
            Assert.That(user.StatusCodes, Is.EqualTo(new[] { 110, 201 }));
            Assert.That(user.Item!.Affiliation, Is.EqualTo(MucAffiliation.Owner));
            Assert.That(user.Item.Role, Is.EqualTo(MucRole.Moderator));
        });
    }

    [Test]
    public void Kicked_Xep0045Example_HasActorReasonAnd307()
    {
        var presence = RoundTrip.Parse<Presence>(XepSamples.MucKicked);
        var user = presence.GetExtension<MucUser>()!;

        Assert.Multiple(() =>
        {
            Assert.That(presence.Type, Is.EqualTo(PresenceType.Unavailable));
            Assert.That(user.HasStatus(MucStatusCodes.Kicked), Is.True);
            Assert.That(user.Item!.Role, Is.EqualTo(MucRole.None));
            Assert.That(user.Item.ActorNick, Is.EqualTo("Fluellen"));
            Assert.That(user.Item.Reason, Is.EqualTo("Avaunt, you cullion!"));
        });
    }

    [Test]
    public void MucUser_BadStatusCode_ThrowsMalformedElement()
    {
        var user = RoundTrip.Parse<MucUser>("<x xmlns='http://jabber.org/protocol/muc#user'><status code='abc'/></x>");

        Assert.Throws<MalformedElementException>(() => _ = user.StatusCodes);
    }

    [Test]
    public void MucItem_UnknownAffiliation_ThrowsMalformedElement()
    {
        var user = RoundTrip.Parse<MucUser>("<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='king'/></x>");

        var error = Assert.Throws<MalformedElementException>(() => _ = user.Item!.Affiliation);
        Assert.That(error!.Message, Does.Contain("king"));
    }

    [Test]
    public void MucUser_Built_RoundTrips()
    {
        var user = new MucUser().AddStatusCode(110).AddStatusCode(172);
        user.Add(new MucItem { Affiliation = MucAffiliation.Admin, Role = MucRole.Moderator, Jid = Jid.Parse("cm@cloud.example/main"), Nick = "cm" });

        var parsed = RoundTrip.Through(user);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.StatusCodes, Is.EqualTo(new[] { 110, 172 }));
            Assert.That(parsed.Item!.Jid, Is.EqualTo(Jid.Parse("cm@cloud.example/main")));
            Assert.That(parsed.Item.Nick, Is.EqualTo("cm"));
            Assert.That(parsed.Item.Affiliation, Is.EqualTo(MucAffiliation.Admin));
        });
    }

    [Test]
    public void JoinPresence_HasMucElementPasswordAndNoHistory()
    {
        var presence = RoundTrip.Through(MucJoin.CreateJoinPresence(Room.WithResource("hm-01"), password: "pw"));

        var join = presence.GetExtension<MucJoin>()!;

        Assert.Multiple(() =>
        {
            Assert.That(presence.To, Is.EqualTo(Jid.Parse("clever@conference.cloud.example/hm-01")));
            Assert.That(presence.Type, Is.EqualTo(PresenceType.Available));
            Assert.That(join.Password, Is.EqualTo("pw"));
            Assert.That(join.MaxHistoryStanzas, Is.Zero);
            Assert.That(presence.ToString(SaveOptions.DisableFormatting), Does.Contain("<history maxstanzas=\"0\" />"));
        });
    }

    [Test]
    public void JoinPresence_WithoutNick_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => MucJoin.CreateJoinPresence(Room));
    }

    [Test]
    public void MucJoin_HistoryLimitCanBeRemoved()
    {
        var join = new MucJoin { MaxHistoryStanzas = 5 };
        join.MaxHistoryStanzas = null;

        Assert.That(join.HasElements, Is.False);
        Assert.Throws<ArgumentOutOfRangeException>(() => join.MaxHistoryStanzas = -1);
    }

    [Test]
    public void MucJoin_BadHistoryLimit_ThrowsMalformedElement()
    {
        var join = RoundTrip.Parse<MucJoin>("<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='-3'/></x>");

        Assert.Throws<MalformedElementException>(() => _ = join.MaxHistoryStanzas);
    }

    [Test]
    public void Invitation_IsMessageToRoomWithInvite()
    {
        var message = RoundTrip.Through(MucUser.CreateInvitation(Room, Jid.Parse("hm-02@cloud.example"), "join us"));

        var invite = message.GetExtension<MucUser>()!.Invites.Single();

        Assert.Multiple(() =>
        {
            Assert.That(message.To, Is.EqualTo(Room));
            Assert.That(invite.To, Is.EqualTo(Jid.Parse("hm-02@cloud.example")));
            Assert.That(invite.Reason, Is.EqualTo("join us"));
        });
    }

    [Test]
    public void Decline_Parses()
    {
        var user = RoundTrip.Parse<MucUser>(
            "<x xmlns='http://jabber.org/protocol/muc#user'><decline from='hecate@shakespeare.lit'><reason>Sorry, I'm too busy right now.</reason></decline></x>");

        Assert.That(user.Decline!.From, Is.EqualTo(Jid.Parse("hecate@shakespeare.lit")));
        Assert.That(user.Decline.Reason, Is.EqualTo("Sorry, I'm too busy right now."));
    }

    [Test]
    public void AdminAffiliationChange_GrantsMembershipToBareJid()
    {
        var iq = RoundTrip.Through(MucAdmin.CreateAffiliationChange(Room, Jid.Parse("hm-03@cloud.example/x"), MucAffiliation.Member, "enrolled"));

        var item = iq.GetPayload<MucAdmin>()!.Items.Single();

        Assert.Multiple(() =>
        {
            Assert.That(iq.Type, Is.EqualTo(IqType.Set));
            Assert.That(iq.To, Is.EqualTo(Room));
            Assert.That(item.Name, Is.EqualTo(XmppNamespaces.MucAdmin + "item"));
            Assert.That(item.Affiliation, Is.EqualTo(MucAffiliation.Member));
            Assert.That(item.Jid, Is.EqualTo(Jid.Parse("hm-03@cloud.example")));
            Assert.That(item.Reason, Is.EqualTo("enrolled"));
            Assert.That(item.Element(XmppNamespaces.MucAdmin + "reason"), Is.Not.Null);
        });
    }

    [Test]
    public void AdminRoleChangeAndListRequest()
    {
        var kick = RoundTrip.Through(MucAdmin.CreateRoleChange(Room, "hm-04", MucRole.None, "revoked"));
        var list = RoundTrip.Through(MucAdmin.CreateAffiliationListRequest(Room, MucAffiliation.Member));

        Assert.That(kick.GetPayload<MucAdmin>()!.Items.Single().Role, Is.EqualTo(MucRole.None));
        Assert.That(kick.GetPayload<MucAdmin>()!.Items.Single().Nick, Is.EqualTo("hm-04"));
        Assert.That(list.Type, Is.EqualTo(IqType.Get));
        Assert.That(list.GetPayload<MucAdmin>()!.Items.Single().Affiliation, Is.EqualTo(MucAffiliation.Member));
    }

    [Test]
    public void AdminMemberListResult_ParsesItems()
    {
        // XEP-0045 §9.5 "Service Sends Member List to Admin" (abridged).
        var admin = RoundTrip.Parse<MucAdmin>(
            "<query xmlns='http://jabber.org/protocol/muc#admin'>"
            + "<item affiliation='member' jid='hag66@shakespeare.lit' nick='thirdwitch' role='participant'/>"
            + "<item affiliation='member' jid='crone1@shakespeare.lit'/></query>");

        Assert.That(admin.Items.Select(i => i.Jid!.ToString()), Is.EqualTo(new[] { "hag66@shakespeare.lit", "crone1@shakespeare.lit" }));
        Assert.That(admin.Items[0], Is.InstanceOf<MucItem>());
    }

    [Test]
    public void InstantRoom_MatchesXep0045Example()
    {
        var expected = RoundTrip.Parse<Iq>(XepSamples.MucInstantRoom);

        var built = MucOwner.CreateInstantRoom(Jid.Parse("coven@chat.shakespeare.lit"));

        Assert.That(built.Type, Is.EqualTo(expected.Type));
        Assert.That(built.To, Is.EqualTo(expected.To));
        Assert.That(built.GetPayload<MucOwner>()!.Form!.Type, Is.EqualTo(DataFormType.Submit));
        Assert.That(expected.GetPayload<MucOwner>()!.Form!.Fields, Is.Empty);
        Assert.That(built.GetPayload<MucOwner>()!.Form!.Fields, Is.Empty);
    }

    [Test]
    public void Destroy_RoundTripsWithReasonAndVenue()
    {
        var iq = RoundTrip.Through(MucOwner.CreateDestroy(Room, Jid.Parse("other@conference.cloud.example"), "decommissioned"));

        var destroy = iq.GetPayload<MucOwner>()!.Destroy!;

        Assert.That(destroy.AlternateVenue, Is.EqualTo(Jid.Parse("other@conference.cloud.example")));
        Assert.That(destroy.Reason, Is.EqualTo("decommissioned"));
    }

    [Test]
    public void ConfigurationForm_Xep0045Example_TypedAccessors()
    {
        var iq = RoundTrip.Parse<Iq>(XepSamples.MucConfigurationForm);

        var form = iq.GetPayload<MucOwner>()!.Form!;

        Assert.Multiple(() =>
        {
            Assert.That(form.Type, Is.EqualTo(DataFormType.Form));
            Assert.That(form.FormType, Is.EqualTo(MucRoomConfig.FormType));
            Assert.That(form.Title, Is.EqualTo("Configuration for \"coven\" Room"));
            Assert.That(form.GetBoolean(MucRoomConfig.MembersOnlyField), Is.False);
            Assert.That(form.GetBoolean(MucRoomConfig.PublicField), Is.True);
            Assert.That(form.GetValue(MucRoomConfig.MaxUsersField), Is.EqualTo("20"));
            Assert.That(form.Field(MucRoomConfig.PresenceBroadcastField)!.Type, Is.EqualTo(FormFieldType.ListMulti));
            Assert.That(form.GetValues(MucRoomConfig.PresenceBroadcastField), Is.EqualTo(new[] { "moderator", "participant", "visitor" }));
            Assert.That(form.Field(MucRoomConfig.WhoIsField)!.Options.Select(o => o.OptionValue), Is.EqualTo(new[] { "moderators", "anyone" }));
            Assert.That(form.Field("muc#roomconfig_roomowners")!.Type, Is.EqualTo(FormFieldType.JidMulti));
        });
    }

    [Test]
    public void RoomConfig_ControlRoom_FillsXep0045Form()
    {
        var serverForm = RoundTrip.Parse<Iq>(XepSamples.MucConfigurationForm).GetPayload<MucOwner>()!.Form!;

        var result = MucRoomConfig.ControlRoom(maxUsers: 100, presenceBroadcast: [MucRole.Moderator]).ApplyTo(serverForm);
        var submit = RoundTrip.Through(MucOwner.CreateConfigurationSubmit(Room, result.SubmitForm)).GetPayload<MucOwner>()!.Form!;

        Assert.Multiple(() =>
        {
            Assert.That(result.IsComplete, Is.True, string.Join("; ", result.MissingFields.Concat(result.RejectedValues)));
            Assert.That(submit.Type, Is.EqualTo(DataFormType.Submit));
            Assert.That(submit.FormType, Is.EqualTo(MucRoomConfig.FormType));
            Assert.That(submit.GetValue(MucRoomConfig.MembersOnlyField), Is.EqualTo("1"));
            Assert.That(submit.GetValue(MucRoomConfig.WhoIsField), Is.EqualTo("anyone"));
            Assert.That(submit.GetValue(MucRoomConfig.PersistentField), Is.EqualTo("1"));
            Assert.That(submit.GetValue(MucRoomConfig.PublicField), Is.EqualTo("0"));
            Assert.That(submit.GetValue(MucRoomConfig.ModeratedField), Is.EqualTo("0"));
            Assert.That(submit.GetValue(MucRoomConfig.PasswordProtectedField), Is.EqualTo("0"));
            Assert.That(submit.GetValue(MucRoomConfig.AllowInvitesField), Is.EqualTo("0"));
            Assert.That(submit.GetValue(MucRoomConfig.MaxUsersField), Is.EqualTo("100"));
            Assert.That(submit.GetValues(MucRoomConfig.PresenceBroadcastField), Is.EqualTo(new[] { "moderator" }));

            // Fields the settings do not touch keep the server's values.
            Assert.That(submit.GetValue("muc#maxhistoryfetch"), Is.EqualTo("50"));
            Assert.That(submit.GetValue("muc#roomconfig_allowpm"), Is.EqualTo("anyone"));
        });
    }

    [Test]
    public void RoomConfig_ValueOutsideServerOptions_IsReportedAndNotSent()
    {
        var serverForm = RoundTrip.Parse<Iq>(XepSamples.MucConfigurationForm).GetPayload<MucOwner>()!.Form!;

        var result = new MucRoomConfig { MaxUsers = 25, PresenceBroadcast = [MucRole.Moderator, MucRole.None] }.ApplyTo(serverForm);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsComplete, Is.False);
            Assert.That(result.RejectedValues, Has.Count.EqualTo(2));
            Assert.That(result.RejectedValues[0], Does.Contain("muc#roomconfig_maxusers=25").And.Contain("100"));
            Assert.That(result.RejectedValues[1], Does.Contain("none"));
            Assert.That(result.SubmitForm.GetValue(MucRoomConfig.MaxUsersField), Is.EqualTo("20"));
            Assert.That(result.SubmitForm.GetValues(MucRoomConfig.PresenceBroadcastField), Has.Count.EqualTo(3));
        });
    }

    [Test]
    public void RoomConfig_UnlimitedUsers_IsNone()
    {
        var serverForm = RoundTrip.Parse<Iq>(XepSamples.MucConfigurationForm).GetPayload<MucOwner>()!.Form!;

        var result = new MucRoomConfig { MaxUsers = 0 }.ApplyTo(serverForm);

        Assert.That(result.SubmitForm.GetValue(MucRoomConfig.MaxUsersField), Is.EqualTo("none"));
    }

    [Test]
    public void RoomConfig_FieldsTheServerLacks_AreReportedAndNotAdded()
    {
        var serverForm = RoundTrip.Parse<DataForm>(
            "<x xmlns='jabber:x:data' type='form'>"
            + "<field type='hidden' var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
            + "<field type='boolean' var='muc#roomconfig_membersonly'><value>0</value></field>"
            + "<field type='boolean' var='muc#roomconfig_persistentroom'><value>0</value></field>"
            + "</x>");

        var result = MucRoomConfig.ControlRoom(presenceBroadcast: [MucRole.Moderator]).ApplyTo(serverForm);

        Assert.Multiple(() =>
        {
            Assert.That(result.MissingFields, Is.EquivalentTo(new[]
            {
                MucRoomConfig.WhoIsField, MucRoomConfig.PublicField, MucRoomConfig.ModeratedField,
                MucRoomConfig.PasswordProtectedField, MucRoomConfig.AllowInvitesField, MucRoomConfig.PresenceBroadcastField,
            }));
            Assert.That(result.SubmitForm.Fields.Select(f => f.Var), Is.EqualTo(new[] { "FORM_TYPE", MucRoomConfig.MembersOnlyField, MucRoomConfig.PersistentField }));
            Assert.That(result.SubmitForm.GetBoolean(MucRoomConfig.MembersOnlyField), Is.True);
        });
    }

    [Test]
    public void RoomConfig_PasswordOff_ClearsSecretWhenTheFormHasNoFlag()
    {
        var serverForm = RoundTrip.Parse<DataForm>(
            "<x xmlns='jabber:x:data' type='form'>"
            + "<field type='text-private' var='muc#roomconfig_roomsecret'><value>old-secret</value></field></x>");

        var result = new MucRoomConfig { PasswordProtected = false }.ApplyTo(serverForm);

        Assert.That(result.IsComplete, Is.True);
        Assert.That(result.SubmitForm.Field(MucRoomConfig.RoomSecretField)!.Values, Is.Empty);
    }

    [Test]
    public void RoomConfig_FormWithoutFormType_GetsOne()
    {
        var serverForm = new DataForm(DataFormType.Form);

        var result = new MucRoomConfig().ApplyTo(serverForm);

        Assert.That(result.SubmitForm.FormType, Is.EqualTo(MucRoomConfig.FormType));
        Assert.That(result.IsComplete, Is.True);
    }

    [Test]
    public void Registry_MapsEveryMucElement()
    {
        var registry = RoundTrip.Registry;

        Assert.Multiple(() =>
        {
            Assert.That(registry.Create(XmppNamespaces.Muc + "x"), Is.InstanceOf<MucJoin>());
            Assert.That(registry.Create(XmppNamespaces.MucUser + "x"), Is.InstanceOf<MucUser>());
            Assert.That(registry.Create(XmppNamespaces.MucUser + "item"), Is.InstanceOf<MucItem>());
            Assert.That(registry.Create(XmppNamespaces.MucAdmin + "item"), Is.InstanceOf<MucItem>());
            Assert.That(registry.Create(XmppNamespaces.MucUser + "invite"), Is.InstanceOf<MucInvite>());
            Assert.That(registry.Create(XmppNamespaces.MucUser + "decline"), Is.InstanceOf<MucDecline>());
            Assert.That(registry.Create(XmppNamespaces.MucUser + "destroy"), Is.InstanceOf<MucDestroy>());
            Assert.That(registry.Create(XmppNamespaces.MucOwner + "destroy"), Is.InstanceOf<MucDestroy>());
            Assert.That(registry.Create(XmppNamespaces.MucAdmin + "query"), Is.InstanceOf<MucAdmin>());
            Assert.That(registry.Create(XmppNamespaces.MucOwner + "query"), Is.InstanceOf<MucOwner>());
        });
    }
}
