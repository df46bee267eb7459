using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    public async Task Peer_content_key_is_wrapped_under_the_pairwise_key_by_default_and_ecdh_es_is_still_accepted()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        var reply = Utf8("""{"v":1,"id":"c-1","ok":true}""");

        var pairwise = Message(hm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "p-1", EnvelopeType.Reply), reply, cluster.Cm.Certificate));
        var pairwiseKey = pairwise.Element(EnvelopeNames.SessionKeyElement)!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)pairwiseKey.Attribute("alg"), Is.EqualTo("ECDH-SS+A256GCM"));
            Assert.That(pairwiseKey.Attribute("epk"), Is.Null, "no ephemeral key: the pairwise key is cached at both ends");
        });
        var opened = await cluster.Cm.Codec.OpenAsync(pairwise, hm.Jid, CmJid, CancellationToken.None);
        Assert.That(opened.IsAccepted, Is.True, opened.ToString());
        Assert.That(opened.Envelope!.Payload.ToArray(), Is.EqualTo(reply));

        // The same HM configured for ephemeral agreement: a CM on the default accepts that too.
        cluster.Time.Advance(TimeSpan.FromMilliseconds(1));
        using var ephemeralHm = new SecureEnvelopeCodec(new SecurityIdentity(hm.Jid, hm.Certificate), cluster.Resolver,
            new Keys.RoomKeyRing(Room, cluster.Options.PreviousEpochGrace, cluster.Time),
            new Policy.SenderPolicy(AgentRole.HostManager, CmJid, null), new SecurityOptions { PeerKeyWrap = PeerKeyWrapMode.Ephemeral },
            new Diagnostics.SecurityCounters(), cluster.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<SecureEnvelopeCodec>.Instance);
        var ephemeral = Message(ephemeralHm.SealForPeer(new EnvelopeHeader(CmJid, "p-2", EnvelopeType.Reply), reply, cluster.Cm.Certificate));
        var ephemeralKey = ephemeral.Element(EnvelopeNames.SessionKeyElement)!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)ephemeralKey.Attribute("alg"), Is.EqualTo("ECDH-ES+A256GCM"));
            Assert.That(ephemeralKey.Attribute("epk"), Is.Not.Null);
        });
        var openedEphemeral = await cluster.Cm.Codec.OpenAsync(ephemeral, hm.Jid, CmJid, CancellationToken.None);
        Assert.That(openedEphemeral.IsAccepted, Is.True, openedEphemeral.ToString());
    }

    [Test]
    public void Peer_pairwise_key_is_the_same_at_both_ends_and_apart_from_other_pairs_and_from_the_room_key_wrapping_key()
    {
        using var cluster = new TestCluster();
        var hm1 = cluster.AddHostManager(1);
        var hm2 = cluster.AddHostManager(2);
        using var cm = PrivateEcdh(cluster.Cm.Certificate);
        using var one = PrivateEcdh(hm1.Certificate);
        using var cmPublic = PublicEcdh(cluster.Cm.Certificate);
        using var onePublic = PublicEcdh(hm1.Certificate);
        using var twoPublic = PublicEcdh(hm2.Certificate);

        var atCm = EnvelopeCrypto.DerivePeerPairwiseKey(cm, onePublic.PublicKey, CmJid, hm1.Jid);
        var atHm = EnvelopeCrypto.DerivePeerPairwiseKey(one, cmPublic.PublicKey, hm1.Jid, CmJid);
        var otherPair = EnvelopeCrypto.DerivePeerPairwiseKey(cm, twoPublic.PublicKey, CmJid, hm2.Jid);
        var roomKeyWrapping = EnvelopeCrypto.DerivePairwiseKey(cm, onePublic.PublicKey, CmJid, hm1.Jid);

        Assert.Multiple(() =>
        {
            Assert.That(atHm, Is.EqualTo(atCm));
            Assert.That(otherPair, Is.Not.EqualTo(atCm));
            Assert.That(roomKeyWrapping, Is.Not.EqualTo(atCm), "one-to-one and room-key wrapping keys are separate");
        });

        static ECDiffieHellman PrivateEcdh(X509Certificate2 certificate)
        {
            using var ecdsa = certificate.GetECDsaPrivateKey()!;
            return ECDiffieHellman.Create(ecdsa.ExportParameters(includePrivateParameters: true));
        }

        static ECDiffieHellman PublicEcdh(X509Certificate2 certificate)
        {
            using var ecdsa = certificate.GetECDsaPublicKey()!;
            return ECDiffieHellman.Create(ecdsa.ExportParameters(includePrivateParameters: false));
        }
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
