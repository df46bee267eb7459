using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Tests.Support;
using static CleverCloud.Security.Tests.Support.TestCluster;

namespace CleverCloud.Security.Tests;

public sealed class RoundTripTests
{
    private const string Command = """{"v":1,"id":"c-1","op":"vm.start","args":{"name":"web-01"}}""";

    [TestCase(KeyKind.EcP256, KeyKind.EcP256)]
    [TestCase(KeyKind.Rsa2048, KeyKind.EcP256)]
    [TestCase(KeyKind.EcP256, KeyKind.Rsa2048)]
    [TestCase(KeyKind.Rsa2048, KeyKind.Rsa2048)]
    public async Task Room_command_from_cm_opens_at_hm_with_payload_role_and_header(KeyKind cmKey, KeyKind hmKey)
    {
        using var cluster = new TestCluster(cmKey: cmKey);
        var hm = cluster.AddHostManager(1, hmKey);
        var epoch = cluster.RekeyAndDeliver(hm);

        var sealedElements = cluster.Cm.Codec.SealForRoom(new EnvelopeHeader(Room, "c-1", EnvelopeType.Command), Utf8(Command));
        var result = await hm.Codec.OpenAsync(Message(sealedElements), CmJid, Room, CancellationToken.None);

        Assert.That(result.IsAccepted, Is.True, result.ToString());
        var envelope = result.Envelope!;
        Assert.Multiple(() =>
        {
            Assert.That(envelope.Payload.ToArray(), Is.EqualTo(Utf8(Command)));
            Assert.That(envelope.SenderRole, Is.EqualTo(AgentRole.ClusterManager));
            Assert.That(envelope.Header.Sender, Is.EqualTo(CmJid));
            Assert.That(envelope.Header.Recipient, Is.EqualTo(Room));
            Assert.That(envelope.Header.MessageId, Is.EqualTo("c-1"));
            Assert.That(envelope.Header.Type, Is.EqualTo(EnvelopeType.Command));
            Assert.That(envelope.Header.Mode, Is.EqualTo(EnvelopeMode.Room));
            Assert.That(envelope.Header.KeyEpoch, Is.EqualTo(epoch));
            Assert.That(envelope.Header.Timestamp, Is.EqualTo(cluster.Time.GetUtcNow()));
            Assert.That(hm.Counters.AcceptedCount, Is.EqualTo(2), "key distribution + command");
        });
        // The ciphertext on the wire does not contain the command.
        Assert.That(Message(sealedElements).ToString(), Does.Not.Contain("vm.start"));
    }

    [TestCase(KeyKind.EcP256, KeyKind.EcP256)]
    [TestCase(KeyKind.EcP256, KeyKind.Rsa2048)]
    [TestCase(KeyKind.Rsa2048, KeyKind.EcP256)]
    [TestCase(KeyKind.Rsa2048, KeyKind.Rsa2048)]
    public async Task Peer_reply_from_hm_opens_at_cm_only(KeyKind cmKey, KeyKind hmKey)
    {
        using var cluster = new TestCluster(cmKey: cmKey);
        var hm = cluster.AddHostManager(1, hmKey);
        var other = cluster.AddHostManager(2);
        var reply = Utf8("""{"v":1,"id":"c-1","ok":true,"result":{"state":"running"}}""");

        var sealedElements = hm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "c-1", EnvelopeType.Reply), reply, cluster.Cm.Certificate);
        var result = await cluster.Cm.Codec.OpenAsync(Message(sealedElements), hm.Jid, CmJid, CancellationToken.None);

        Assert.That(result.IsAccepted, Is.True, result.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(result.Envelope!.Payload.ToArray(), Is.EqualTo(reply));
            Assert.That(result.Envelope.SenderRole, Is.EqualTo(AgentRole.HostManager));
            Assert.That(result.Envelope.Header.Mode, Is.EqualTo(EnvelopeMode.Peer));
            Assert.That(result.Envelope.Evidence.ContentKey, Has.Length.EqualTo(32));
        });

        // Another agent holding the stanza cannot open it: it is addressed to, and wrapped for, the CM.
        var stolen = await other.Codec.OpenAsync(Message(sealedElements), hm.Jid, other.Jid, CancellationToken.None);
        Assert.That(stolen.Error, Is.EqualTo(ErrorCode.TamperedHeader));
    }

    [Test]
    public async Task Peer_command_from_cm_to_rsa_hm_round_trips()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1, KeyKind.Rsa2048);
        var sealedElements = cluster.Cm.Codec.SealForPeer(new EnvelopeHeader(hm.Jid, "c-9", EnvelopeType.Command), Utf8(Command), hm.Certificate);

        var result = await hm.Codec.OpenAsync(Message(sealedElements), CmJid, hm.Jid, CancellationToken.None);

        Assert.That(result.IsAccepted, Is.True, result.ToString());
        Assert.That(result.Envelope!.Payload.ToArray(), Is.EqualTo(Utf8(Command)));
    }

    [Test]
    public async Task Room_reply_from_hm_opens_at_cm_and_event_too()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        cluster.RekeyAndDeliver(hm);

        foreach (var type in new[] { EnvelopeType.Reply, EnvelopeType.Event })
        {
            var payload = Utf8($$"""{"kind":"{{type}}"}""");
            var sealedElements = hm.Codec.SealForRoom(new EnvelopeHeader(Room, $"m-{type}", type), payload);
            var result = await cluster.Cm.Codec.OpenAsync(Message(sealedElements), hm.Jid, Room, CancellationToken.None);
            Assert.That(result.IsAccepted, Is.True, result.ToString());
            Assert.That(result.Envelope!.Payload.ToArray(), Is.EqualTo(payload));
        }
    }

    [Test]
    public async Task Admin_command_is_accepted_by_cm()
    {
        using var cluster = new TestCluster();
        var admin = cluster.AddAgent(AdminJid, AgentRole.Administrator);
        var sealedElements = admin.Codec.SealForPeer(new EnvelopeHeader(CmJid, "a-1", EnvelopeType.Command), Utf8(Command), cluster.Cm.Certificate);

        var result = await cluster.Cm.Codec.OpenAsync(Message(sealedElements), AdminJid, CmJid, CancellationToken.None);

        Assert.That(result.IsAccepted, Is.True, result.ToString());
        Assert.That(result.Envelope!.SenderRole, Is.EqualTo(AgentRole.Administrator));
    }

    [Test]
    public async Task Signed_presence_verifies_at_cm_with_availability_and_load()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        const string load = """{"cpu":0.42,"memFreeMiB":12288,"vms":3}""";

        var elements = hm.Codec.SignPresence(Room, "available", load);
        var presence = new System.Xml.Linq.XElement(System.Xml.Linq.XName.Get("presence", "jabber:client"), elements);
        var result = await cluster.Cm.Codec.VerifyPresenceAsync(presence, hm.Jid, Room, CancellationToken.None);

        Assert.That(result.IsAccepted, Is.True, result.Reason);
        Assert.Multiple(() =>
        {
            Assert.That(result.Presence!.Availability, Is.EqualTo("available"));
            Assert.That(result.Presence.LoadJson, Is.EqualTo(load));
            Assert.That(result.Presence.Sender, Is.EqualTo(hm.Jid));
            Assert.That(result.Presence.SenderRole, Is.EqualTo(AgentRole.HostManager));
        });
    }

    [Test]
    public void Sealing_without_a_room_key_or_with_an_oversized_payload_throws_typed()
    {
        using var cluster = new TestCluster(new SecurityOptions { MaxPayloadBytes = 1024 });
        var hm = cluster.AddHostManager(1);

        var noKey = Assert.Throws<SecureEnvelopeException>(() =>
            hm.Codec.SealForRoom(new EnvelopeHeader(Room, "x", EnvelopeType.Event), Utf8("{}")));
        Assert.That(noKey!.Code, Is.EqualTo(ErrorCode.NoSessionKey));

        var tooLarge = Assert.Throws<SecureEnvelopeException>(() =>
            hm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "x", EnvelopeType.Reply), new byte[1025], cluster.Cm.Certificate));
        Assert.That(tooLarge!.Code, Is.EqualTo(ErrorCode.PayloadTooLarge));
    }
}
