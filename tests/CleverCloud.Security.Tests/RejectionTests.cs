using System.Xml.Linq;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Tests.Support;
using static CleverCloud.Security.Tests.Support.TestCluster;

namespace CleverCloud.Security.Tests;

/// <summary>
/// Every bad input is rejected with its numbered reason, counted, hands out no payload, changes no state (the
/// untouched original still opens afterwards, so its nonce and counter were not recorded) and the codec keeps serving.
/// </summary>
public sealed class RejectionTests
{
    private TestCluster _cluster = null!;
    private TestAgent _hm = null!;

    [SetUp]
    public void SetUp()
    {
        _cluster = new TestCluster(new SecurityOptions { MaxPayloadBytes = 4096 });
        _hm = _cluster.AddHostManager(1);
        _cluster.RekeyAndDeliver(_hm);
    }

    [TearDown]
    public void TearDown() => _cluster.Dispose();

    private XElement RoomCommand(string id = "c-1") => Message(_cluster.Cm.Codec.SealForRoom(
        new EnvelopeHeader(Room, id, EnvelopeType.Command), Utf8($$"""{"id":"{{id}}","op":"vm.list"}""")));

    private async Task<OpenResult> AssertRejected(TestAgent receiver, XElement stanza, string sender, string recipient, ErrorCode expected)
    {
        var acceptedBefore = receiver.Counters.AcceptedCount;
        var rejectedBefore = receiver.Counters.RejectedCount(expected);
        var totalBefore = receiver.Counters.TotalRejected;

        var result = await receiver.Codec.OpenAsync(stanza, sender, recipient, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.IsAccepted, Is.False, "must be rejected");
            Assert.That(result.Error, Is.EqualTo(expected), result.Reason);
            Assert.That((int)result.Error, Is.InRange(200, 299));
            Assert.That(result.Envelope, Is.Null, "no payload for a rejected message");
            Assert.That(receiver.Counters.RejectedCount(expected), Is.EqualTo(rejectedBefore + 1));
            Assert.That(receiver.Counters.TotalRejected, Is.EqualTo(totalBefore + 1));
            Assert.That(receiver.Counters.AcceptedCount, Is.EqualTo(acceptedBefore));
        });
        return result;
    }

    private async Task AssertOpens(TestAgent receiver, XElement stanza, string sender, string recipient)
    {
        var result = await receiver.Codec.OpenAsync(stanza, sender, recipient, CancellationToken.None);
        Assert.That(result.IsAccepted, Is.True, result.ToString());
    }

    /// <summary>The rejected copy left no trace: the original (same nonce and counter) opens, then a fresh one too.</summary>
    private async Task AssertNoEffectAndStillServing(XElement original)
    {
        await AssertOpens(_hm, original, CmJid, Room);
        await AssertOpens(_hm, RoomCommand("next"), CmJid, Room);
    }

    private static XElement Child(XElement stanza, XName name) => stanza.Element(name)!;

    private static string FlipBase64Byte(string text, int index)
    {
        var bytes = Convert.FromBase64String(text);
        bytes[index % bytes.Length] ^= 0x01;
        return Convert.ToBase64String(bytes);
    }

    [Test]
    public async Task Tampered_ciphertext_fails_the_signature_before_any_decryption()
    {
        var original = RoomCommand();
        var tampered = new XElement(original);
        var encrypted = Child(tampered, EnvelopeNames.EncryptedElement);
        encrypted.Value = FlipBase64Byte(encrypted.Value, 3);

        await AssertRejected(_hm, tampered, CmJid, Room, ErrorCode.BadSignature);
        await AssertNoEffectAndStillServing(original);
    }

    [TestCase("id", "c-2")]
    [TestCase("type", "event")]
    public async Task Tampered_signed_header_field_fails_the_signature(string attribute, string value)
    {
        var original = RoomCommand();
        var tampered = new XElement(original);
        Child(tampered, EnvelopeNames.HeaderElement).SetAttributeValue(attribute, value);

        await AssertRejected(_hm, tampered, CmJid, Room, ErrorCode.BadSignature);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Tampered_timestamp_counter_and_nonce_fail_the_signature()
    {
        var original = RoomCommand();
        var timestamp = Child(original, EnvelopeNames.TimestampElement);
        var stamp = DateTimeOffset.Parse((string)timestamp.Attribute("stamp")!, System.Globalization.CultureInfo.InvariantCulture);
        var edits = new (string Attribute, string Value)[]
        {
            ("stamp", stamp.AddMilliseconds(1).UtcDateTime.ToString(EnvelopeNames.StampFormat, System.Globalization.CultureInfo.InvariantCulture)),
            ("counter", (ulong.Parse((string)timestamp.Attribute("counter")!, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("nonce", FlipBase64Byte((string)timestamp.Attribute("nonce")!, 0)),
        };
        foreach (var (attribute, value) in edits)
        {
            var tampered = new XElement(original);
            Child(tampered, EnvelopeNames.TimestampElement).SetAttributeValue(attribute, value);
            await AssertRejected(_hm, tampered, CmJid, Room, ErrorCode.BadSignature);
        }
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Tampered_epoch_fails_the_signature()
    {
        var original = RoomCommand();
        var tampered = new XElement(original);
        Child(tampered, EnvelopeNames.EncryptedElement).SetAttributeValue("epoch", "2");

        await AssertRejected(_hm, tampered, CmJid, Room, ErrorCode.BadSignature);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Signed_sender_that_disagrees_with_the_transport_sender_is_a_tampered_header()
    {
        var original = RoomCommand();
        var tampered = new XElement(original);
        Child(tampered, EnvelopeNames.HeaderElement).SetAttributeValue("from", HmJid(7));

        await AssertRejected(_hm, tampered, CmJid, Room, ErrorCode.TamperedHeader);
        // The transport says CM but the signed header is the CM's: an occupant relaying it under its own name fails too.
        await AssertRejected(_hm, original, HmJid(7), Room, ErrorCode.TamperedHeader);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Sender_rewritten_to_another_valid_agent_fails_that_agents_signature_check()
    {
        var other = _cluster.AddHostManager(2);
        var original = RoomCommand();
        var tampered = new XElement(original);
        Child(tampered, EnvelopeNames.HeaderElement).SetAttributeValue("from", other.Jid);

        await AssertRejected(_hm, tampered, other.Jid, Room, ErrorCode.BadSignature);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Signed_recipient_that_is_not_this_room_or_agent_is_a_tampered_header()
    {
        var original = RoomCommand();
        var tampered = new XElement(original);
        Child(tampered, EnvelopeNames.HeaderElement).SetAttributeValue("to", "other-room@conference.example.org");

        await AssertRejected(_hm, tampered, CmJid, Room, ErrorCode.TamperedHeader);
        await AssertRejected(_hm, tampered, CmJid, "other-room@conference.example.org", ErrorCode.TamperedHeader);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Signature_by_another_key_claiming_to_be_the_cm_is_a_bad_signature()
    {
        // Same address, same role, even the same CA — but not the certificate the directory publishes for the CM.
        var impostor = _cluster.Wrap(CmJid, _cluster.Pki.Issue(CmJid, AgentRole.ClusterManager), AgentRole.ClusterManager);
        var forged = Message(impostor.Codec.SealForPeer(new EnvelopeHeader(_hm.Jid, "f-1", EnvelopeType.Command),
            Utf8("""{"op":"vm.destroy"}"""), _hm.Certificate));

        await AssertRejected(_hm, forged, CmJid, _hm.Jid, ErrorCode.BadSignature);
        await AssertNoEffectAndStillServing(RoomCommand());
    }

    [TestCase(PeerCertificateStatus.Unknown, ErrorCode.UnknownSigner)]
    [TestCase(PeerCertificateStatus.Expired, ErrorCode.CertificateExpired)]
    [TestCase(PeerCertificateStatus.Revoked, ErrorCode.CertificateRevoked)]
    [TestCase(PeerCertificateStatus.Untrusted, ErrorCode.UntrustedCertificate)]
    [TestCase(PeerCertificateStatus.AddressMismatch, ErrorCode.UntrustedCertificate)]
    public async Task Signer_certificate_status_from_the_directory_maps_to_its_reason(PeerCertificateStatus status, ErrorCode expected)
    {
        var original = RoomCommand();
        _cluster.Resolver.SetStatus(CmJid, status);

        await AssertRejected(_hm, original, CmJid, Room, expected);

        _cluster.Resolver.Publish(CmJid, _cluster.Cm.Certificate);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task A_resolver_answer_whose_certificate_names_someone_else_is_untrusted()
    {
        var original = RoomCommand();
        // A faulty directory returns the HM's certificate (valid, from the right CA) for the CM's address.
        _cluster.Resolver.PublishAs(CmJid, _hm.Certificate, AgentRole.ClusterManager);

        await AssertRejected(_hm, original, CmJid, Room, ErrorCode.UntrustedCertificate);

        _cluster.Resolver.Publish(CmJid, _cluster.Cm.Certificate);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Hm_refuses_a_command_signed_by_another_hm()
    {
        var other = _cluster.AddHostManager(2);
        var command = Message(other.Codec.SealForPeer(new EnvelopeHeader(_hm.Jid, "x-1", EnvelopeType.Command), Utf8("{}"), _hm.Certificate));

        await AssertRejected(_hm, command, other.Jid, _hm.Jid, ErrorCode.WrongRole);
        await AssertNoEffectAndStillServing(RoomCommand());
    }

    [Test]
    public async Task Hm_refuses_a_command_from_an_admin_certificate()
    {
        var admin = _cluster.AddAgent(AdminJid, AgentRole.Administrator);
        var command = Message(admin.Codec.SealForPeer(new EnvelopeHeader(_hm.Jid, "x-2", EnvelopeType.Command), Utf8("{}"), _hm.Certificate));

        await AssertRejected(_hm, command, AdminJid, _hm.Jid, ErrorCode.WrongRole);
    }

    [Test]
    public async Task Cm_refuses_commands_from_other_roles_and_replies_from_non_members()
    {
        var stranger = _cluster.AddAgent(HmJid(9), AgentRole.HostManager); // certified, but not a room member
        var otherCm = _cluster.AddAgent("cm2@example.org", AgentRole.ClusterManager);
        var command = Message(otherCm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "x-3", EnvelopeType.Command), Utf8("{}"), _cluster.Cm.Certificate));
        var reply = Message(stranger.Codec.SealForPeer(new EnvelopeHeader(CmJid, "x-4", EnvelopeType.Reply), Utf8("{}"), _cluster.Cm.Certificate));
        var adminReply = _cluster.AddAgent(AdminJid, AgentRole.Administrator);
        var replyFromAdmin = Message(adminReply.Codec.SealForPeer(new EnvelopeHeader(CmJid, "x-5", EnvelopeType.Reply), Utf8("{}"), _cluster.Cm.Certificate));

        await AssertRejected(_cluster.Cm, command, "cm2@example.org", CmJid, ErrorCode.WrongRole);
        await AssertRejected(_cluster.Cm, reply, stranger.Jid, CmJid, ErrorCode.WrongRole);
        await AssertRejected(_cluster.Cm, replyFromAdmin, AdminJid, CmJid, ErrorCode.WrongRole);

        // A member's reply still goes through.
        var good = Message(_hm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "x-6", EnvelopeType.Reply), Utf8("{}"), _cluster.Cm.Certificate));
        await AssertOpens(_cluster.Cm, good, _hm.Jid, CmJid);
    }

    [Test]
    public async Task Replay_of_a_captured_message_is_refused()
    {
        var captured = RoomCommand();
        await AssertOpens(_hm, captured, CmJid, Room);

        await AssertRejected(_hm, new XElement(captured), CmJid, Room, ErrorCode.Replay);
        await AssertOpens(_hm, RoomCommand("next"), CmJid, Room);
    }

    [Test]
    public async Task Concurrent_copies_of_one_message_are_accepted_exactly_once()
    {
        var captured = RoomCommand();
        var copies = Enumerable.Range(0, 16).Select(_ => new XElement(captured)).ToList();

        var results = await Task.WhenAll(copies.Select(copy =>
            Task.Run(async () => await _hm.Codec.OpenAsync(copy, CmJid, Room, CancellationToken.None))));

        Assert.That(results.Count(r => r.IsAccepted), Is.EqualTo(1));
        Assert.That(results.Where(r => !r.IsAccepted).Select(r => r.Error), Is.All.EqualTo(ErrorCode.Replay));
        Assert.That(_hm.Counters.RejectedCount(ErrorCode.Replay), Is.EqualTo(15));
    }

    [Test]
    public async Task Replay_with_a_fresh_nonce_but_a_reused_counter_is_refused_by_signature_and_counter()
    {
        var captured = RoomCommand();
        await AssertOpens(_hm, captured, CmJid, Room);
        // An attacker cannot re-sign, so a changed nonce breaks the signature before the replay check even runs.
        var renonced = new XElement(captured);
        Child(renonced, EnvelopeNames.TimestampElement).SetAttributeValue("nonce", Convert.ToBase64String(new byte[16]));
        await AssertRejected(_hm, renonced, CmJid, Room, ErrorCode.BadSignature);
    }

    [Test]
    public async Task Stale_timestamp_is_refused_and_leaves_no_trace()
    {
        var start = _cluster.Time.GetUtcNow();
        var original = RoomCommand();
        _cluster.Time.Advance(_cluster.Options.FreshnessWindow + TimeSpan.FromMilliseconds(1));

        await AssertRejected(_hm, original, CmJid, Room, ErrorCode.StaleTimestamp);

        _cluster.Time.Set(start);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Future_timestamp_is_refused_and_leaves_no_trace()
    {
        var ahead = new ManualTimeProvider(_cluster.Time.GetUtcNow() + _cluster.Options.FutureTolerance + TimeSpan.FromSeconds(1));
        var fastClock = _cluster.Wrap(_hm.Jid, _hm.Certificate, AgentRole.HostManager, ahead);
        var reply = Message(fastClock.Codec.SealForPeer(new EnvelopeHeader(CmJid, "r-1", EnvelopeType.Reply), Utf8("{}"), _cluster.Cm.Certificate));

        await AssertRejected(_cluster.Cm, reply, _hm.Jid, CmJid, ErrorCode.FutureTimestamp);

        _cluster.Time.Set(ahead.GetUtcNow());
        await AssertOpens(_cluster.Cm, reply, _hm.Jid, CmJid);
    }

    [Test]
    public async Task Room_message_without_an_installed_key_is_no_session_key()
    {
        var newcomer = _cluster.AddHostManager(2);
        var original = RoomCommand();

        await AssertRejected(newcomer, original, CmJid, Room, ErrorCode.NoSessionKey);
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Room_reply_sealed_under_a_different_key_for_the_epoch_fails_decryption()
    {
        var confused = _cluster.AddHostManager(2);
        var wrongKey = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(wrongKey);
        Assert.That(confused.Ring.TryInstall(_cluster.Cm.Ring.CurrentEpoch, wrongKey), Is.True);
        var reply = Message(confused.Codec.SealForRoom(new EnvelopeHeader(Room, "r-2", EnvelopeType.Reply), Utf8("{}")));

        await AssertRejected(_cluster.Cm, reply, confused.Jid, Room, ErrorCode.DecryptionFailed);

        var good = Message(_hm.Codec.SealForRoom(new EnvelopeHeader(Room, "r-3", EnvelopeType.Reply), Utf8("{}")));
        await AssertOpens(_cluster.Cm, good, _hm.Jid, Room);
    }

    [Test]
    public async Task Peer_message_wrapped_for_a_replaced_key_fails_decryption()
    {
        // The HM sealed for the CM's old certificate; the CM has since been re-issued a new key pair.
        var oldCmCertificate = _cluster.Pki.Issue(CmJid, AgentRole.ClusterManager);
        var reply = Message(_hm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "r-4", EnvelopeType.Reply), Utf8("{}"), oldCmCertificate));

        await AssertRejected(_cluster.Cm, reply, _hm.Jid, CmJid, ErrorCode.DecryptionFailed);

        var good = Message(_hm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "r-4", EnvelopeType.Reply), Utf8("{}"), _cluster.Cm.Certificate));
        await AssertOpens(_cluster.Cm, good, _hm.Jid, CmJid);
    }

    private static IEnumerable<TestCaseData> MalformedCases()
    {
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.HeaderElement).Remove())).SetName("Missing envelope header");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.TimestampElement).Remove())).SetName("Missing timestamp");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.SignedElement).Remove())).SetName("Missing signature");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.EncryptedElement).Remove())).SetName("Missing ciphertext");
        yield return new TestCaseData(new Action<XElement>(m => m.Add(new XElement(Child(m, EnvelopeNames.SignedElement))))).SetName("Duplicate signature");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.SignedElement).SetAttributeValue("alg", "ES512"))).SetName("Unknown signature algorithm");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.EncryptedElement).SetAttributeValue("alg", "A128CBC"))).SetName("Unknown content algorithm");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.HeaderElement).SetAttributeValue("v", "2"))).SetName("Unknown version");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.HeaderElement).SetAttributeValue("type", "rm-rf"))).SetName("Unknown type");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.HeaderElement).SetAttributeValue("id", new string('x', 129)))).SetName("Oversized message id");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.HeaderElement).SetAttributeValue("from", new string('a', 2000) + "@x"))).SetName("Oversized sender");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.HeaderElement).SetAttributeValue("to", Room + "/nick"))).SetName("Non-bare recipient");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.TimestampElement).SetAttributeValue("stamp", "yesterday"))).SetName("Malformed stamp");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.TimestampElement).SetAttributeValue("nonce", "AAAA"))).SetName("Short nonce");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.TimestampElement).SetAttributeValue("counter", "-1"))).SetName("Negative counter");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.EncryptedElement).SetAttributeValue("epoch", null))).SetName("Missing epoch");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.EncryptedElement).Value = Child(m, EnvelopeNames.EncryptedElement).Value[..^3])).SetName("Truncated ciphertext base64");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.SignedElement).Value = Child(m, EnvelopeNames.SignedElement).Value[..^2])).SetName("Truncated signature base64");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.EncryptedElement).Value = new string('A', 200_000))).SetName("Oversized ciphertext");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.SignedElement).Value = new string('A', 4000))).SetName("Oversized signature");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.EncryptedElement).Value = "AAAA")).SetName("Ciphertext shorter than tag");
        yield return new TestCaseData(new Action<XElement>(m => Child(m, EnvelopeNames.EncryptedElement).Add(new XElement("evil")))).SetName("Element inside ciphertext");
        yield return new TestCaseData(new Action<XElement>(m => m.Add(new XElement(EnvelopeNames.SessionKeyElement, "AAAA")))).SetName("Session key on room message");
    }

    [TestCaseSource(nameof(MalformedCases))]
    public async Task Malformed_envelope_is_refused_before_any_directory_or_crypto_work(Action<XElement> damage)
    {
        var original = RoomCommand();
        var damaged = new XElement(original);
        damage(damaged);
        var lookups = _cluster.Resolver.Lookups;

        await AssertRejected(_hm, damaged, CmJid, Room, ErrorCode.MalformedEnvelope);

        Assert.That(_cluster.Resolver.Lookups, Is.EqualTo(lookups), "no certificate lookup for a malformed envelope");
        await AssertNoEffectAndStillServing(original);
    }

    [Test]
    public async Task Malformed_peer_session_key_is_refused()
    {
        var reply = Message(_hm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "r-9", EnvelopeType.Reply), Utf8("{}"), _cluster.Cm.Certificate));
        var badEpk = new XElement(reply);
        Child(badEpk, EnvelopeNames.SessionKeyElement).SetAttributeValue("epk", Convert.ToBase64String(new byte[64]));
        var badAlg = new XElement(reply);
        Child(badAlg, EnvelopeNames.SessionKeyElement).SetAttributeValue("alg", "RSA1_5");
        var missing = new XElement(reply);
        Child(missing, EnvelopeNames.SessionKeyElement).Remove();

        await AssertRejected(_cluster.Cm, badEpk, _hm.Jid, CmJid, ErrorCode.MalformedEnvelope);
        await AssertRejected(_cluster.Cm, badAlg, _hm.Jid, CmJid, ErrorCode.MalformedEnvelope);
        await AssertRejected(_cluster.Cm, missing, _hm.Jid, CmJid, ErrorCode.MalformedEnvelope);
        await AssertOpens(_cluster.Cm, reply, _hm.Jid, CmJid);
    }

    [Test]
    public async Task Tampered_presence_load_is_a_bad_signature()
    {
        var presence = new XElement(XName.Get("presence", "jabber:client"), _hm.Codec.SignPresence(Room, "available", """{"cpu":0.1}"""));
        var tampered = new XElement(presence);
        Child(tampered, EnvelopeNames.PresenceElement).Value = """{"cpu":0.0}""";

        var rejected = await _cluster.Cm.Codec.VerifyPresenceAsync(tampered, _hm.Jid, Room, CancellationToken.None);
        var accepted = await _cluster.Cm.Codec.VerifyPresenceAsync(presence, _hm.Jid, Room, CancellationToken.None);

        Assert.That(rejected.Error, Is.EqualTo(ErrorCode.BadSignature));
        Assert.That(rejected.Presence, Is.Null);
        Assert.That(accepted.IsAccepted, Is.True, accepted.Reason);
        Assert.That(_cluster.Cm.Counters.RejectedCount(ErrorCode.BadSignature), Is.EqualTo(1));
    }

    [Test]
    public async Task Presence_is_not_opened_as_a_command_and_commands_are_not_presence()
    {
        var presence = new XElement(XName.Get("presence", "jabber:client"), _hm.Codec.SignPresence(Room, "available", "{}"));
        await AssertRejected(_cluster.Cm, presence, _hm.Jid, Room, ErrorCode.MalformedEnvelope);

        var asPresence = await _hm.Codec.VerifyPresenceAsync(RoomCommand(), CmJid, Room, CancellationToken.None);
        Assert.That(asPresence.Error, Is.EqualTo(ErrorCode.MalformedEnvelope));
    }
}
