using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Tests.Support;
using static CleverCloud.Security.Tests.Support.TestCluster;

namespace CleverCloud.Security.Tests;

public sealed class RoomKeyTests
{
    private static IReadOnlyList<System.Xml.Linq.XElement> RoomCommand(TestCluster cluster, string id) =>
        cluster.Cm.Codec.SealForRoom(new EnvelopeHeader(Room, id, EnvelopeType.Command), Utf8($$"""{"id":"{{id}}"}"""));

    [Test]
    public async Task A_member_that_joins_later_receives_the_current_key_and_reads_room_traffic()
    {
        using var cluster = new TestCluster();
        var early = cluster.AddHostManager(1);
        var epoch = cluster.RekeyAndDeliver(early);
        var late = cluster.AddHostManager(2);

        var join = cluster.Distributor.CreateForJoiningMember(late.AsMember());
        Assert.That(join.Recipient, Is.EqualTo(late.Jid));
        var installed = await late.Codec.OpenAsync(Message(join.Elements), CmJid, late.Jid, CancellationToken.None);

        Assert.That(installed.IsAccepted, Is.True, installed.ToString());
        Assert.That(installed.Envelope!.InstalledKeyEpoch, Is.EqualTo(epoch));
        var command = await late.Codec.OpenAsync(Message(RoomCommand(cluster, "c-2")), CmJid, Room, CancellationToken.None);
        Assert.That(command.IsAccepted, Is.True, command.ToString());
    }

    [TestCase("member left", RoomKeyWrapMode.PairwiseStatic, KeyKind.EcP256)]
    [TestCase("member removed", RoomKeyWrapMode.EphemeralPerBatch, KeyKind.EcP256)]
    [TestCase("certificate revoked", RoomKeyWrapMode.PairwiseStatic, KeyKind.Rsa2048)]
    [TestCase("certificate revoked", RoomKeyWrapMode.EphemeralPerBatch, KeyKind.Rsa2048)]
    public async Task After_rekeying_the_removed_member_cannot_read_anything_sent_afterwards(string reason, RoomKeyWrapMode mode, KeyKind stayingKey)
    {
        using var cluster = new TestCluster(new SecurityOptions { RoomKeyWrap = mode });
        var staying = cluster.AddHostManager(1, stayingKey);
        var removed = cluster.AddHostManager(2);
        var before = cluster.RekeyAndDeliver(staying, removed);
        cluster.Members.Remove(removed.Jid);

        var batches = cluster.Distributor.RotateAndDistribute([staying.AsMember()], reason);
        Assert.That(batches.SelectMany(b => b.Members), Is.EqualTo(new[] { staying.Jid }));
        foreach (var batch in batches)
        {
            Assert.That((await staying.Codec.OpenAsync(Message(batch.Elements), CmJid, Room, CancellationToken.None)).IsAccepted, Is.True);
            // The removed member still sees the batch in the room: authentic, but nothing in it for it.
            var seen = await removed.Codec.OpenAsync(Message(batch.Elements), CmJid, Room, CancellationToken.None);
            Assert.That(seen.Envelope?.InstalledKeyEpoch, Is.Null);
        }
        Assert.That(removed.Ring.CurrentEpoch, Is.EqualTo(before), "the removed member still holds the old key");

        var after = RoomCommand(cluster, "after-rekey");
        var stillIn = await staying.Codec.OpenAsync(Message(after), CmJid, Room, CancellationToken.None);
        var lockedOut = await removed.Codec.OpenAsync(Message(after), CmJid, Room, CancellationToken.None);

        Assert.That(stillIn.IsAccepted, Is.True, stillIn.ToString());
        Assert.That(lockedOut.IsAccepted, Is.False);
        Assert.That(lockedOut.Error, Is.EqualTo(ErrorCode.NoSessionKey));
        Assert.That(lockedOut.Envelope, Is.Null);
        Assert.That(removed.Counters.RejectedCount(ErrorCode.NoSessionKey), Is.EqualTo(1));
    }

    [TestCase(RoomKeyWrapMode.PairwiseStatic, KeyKind.EcP256, "ECDH-SS+A256GCM")]
    [TestCase(RoomKeyWrapMode.EphemeralPerBatch, KeyKind.EcP256, "ECDH-ES+A256GCM")]
    [TestCase(RoomKeyWrapMode.PairwiseStatic, KeyKind.Rsa2048, "ECDH-ES+A256GCM")]
    public async Task Each_wrap_mode_delivers_to_ec_and_rsa_members_in_one_batch(RoomKeyWrapMode mode, KeyKind cmKey, string ecAlgorithm)
    {
        using var cluster = new TestCluster(new SecurityOptions { RoomKeyWrap = mode }, cmKey);
        var ec = cluster.AddHostManager(1);
        var rsa = cluster.AddHostManager(2, KeyKind.Rsa2048);

        var batch = cluster.Distributor.RotateAndDistribute([ec.AsMember(), rsa.AsMember()], "test").Single();
        var algorithms = Message(batch.Elements).Descendants(EnvelopeNames.KeyEntryElement).Select(k => (string?)k.Attribute("alg")).ToList();
        Assert.That(algorithms, Is.EqualTo(new[] { ecAlgorithm, "RSA-OAEP-256" }), "an RSA CM cannot do static ECDH: it falls back to ECDH-ES");

        foreach (var member in new[] { ec, rsa })
        {
            var result = await member.Codec.OpenAsync(Message(batch.Elements), CmJid, Room, CancellationToken.None);
            Assert.That(result.Envelope?.InstalledKeyEpoch, Is.EqualTo(1), result.ToString());
            var command = await member.Codec.OpenAsync(Message(RoomCommand(cluster, "c-" + member.Jid)), CmJid, Room, CancellationToken.None);
            Assert.That(command.IsAccepted, Is.True, command.ToString());
        }
    }

    [Test]
    public async Task A_wrapped_key_moved_to_another_member_does_not_unwrap()
    {
        using var cluster = new TestCluster();
        var victim = cluster.AddHostManager(1);
        var thief = cluster.AddHostManager(2);
        // The CM wraps for the victim only; the thief relabels the entry with its own JID. The signature catches
        // that, so the thief can only try on its own copy: the CM's genuine batch carries no entry for it.
        var batch = cluster.Distributor.RotateAndDistribute([victim.AsMember()], "test").Single();
        var relabelled = Message(batch.Elements);
        relabelled.Descendants(EnvelopeNames.KeyEntryElement).Single().SetAttributeValue("jid", thief.Jid);

        var result = await thief.Codec.OpenAsync(relabelled, CmJid, Room, CancellationToken.None);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.BadSignature));
        Assert.That(thief.Ring.CurrentEpoch, Is.Zero);
    }

    [Test]
    public async Task Old_key_holder_forging_with_the_previous_key_is_refused_once_grace_is_over()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        cluster.RekeyAndDeliver(hm);
        var sealedUnderOld = RoomCommand(cluster, "in-flight");
        cluster.RekeyAndDeliver(hm);

        // Inside the grace period the in-flight message sealed under epoch 1 still opens.
        var inGrace = await hm.Codec.OpenAsync(Message(sealedUnderOld), CmJid, Room, CancellationToken.None);
        Assert.That(inGrace.IsAccepted, Is.True, inGrace.ToString());

        var lateOld = RoomCommand(cluster, "late");
        cluster.RekeyAndDeliver(hm);
        cluster.Time.Advance(cluster.Options.PreviousEpochGrace + TimeSpan.FromSeconds(1));
        // lateOld is epoch 2, current is 3 — but its grace ended (and its timestamp is still fresh: grace < window).
        var afterGrace = await hm.Codec.OpenAsync(Message(lateOld), CmJid, Room, CancellationToken.None);
        Assert.That(afterGrace.Error, Is.EqualTo(ErrorCode.OldKeyEpoch));
        Assert.That(hm.Counters.RejectedCount(ErrorCode.OldKeyEpoch), Is.EqualTo(1));
    }

    [Test]
    public async Task An_epoch_older_than_current_minus_one_is_refused_even_inside_grace()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        cluster.RekeyAndDeliver(hm);
        var epochOne = RoomCommand(cluster, "e1");
        cluster.RekeyAndDeliver(hm);
        cluster.RekeyAndDeliver(hm);

        var result = await hm.Codec.OpenAsync(Message(epochOne), CmJid, Room, CancellationToken.None);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.OldKeyEpoch));
    }

    [Test]
    public async Task A_replayed_older_key_distribution_is_refused_as_old_epoch()
    {
        using var cluster = new TestCluster(new SecurityOptions { PreviousEpochGrace = TimeSpan.FromSeconds(1) });
        var hm = cluster.AddHostManager(1);
        cluster.Distributor.Rotate("first");
        var first = cluster.Distributor.CreateForJoiningMember(hm.AsMember());
        cluster.RekeyAndDeliver(hm);

        var stale = await hm.Codec.OpenAsync(Message(first.Elements), CmJid, hm.Jid, CancellationToken.None);

        Assert.That(stale.Error, Is.EqualTo(ErrorCode.OldKeyEpoch));
        Assert.That(hm.Ring.CurrentEpoch, Is.EqualTo(2));
    }

    [Test]
    public async Task The_current_key_sent_again_is_accepted_without_effect_but_a_replay_of_it_is_refused()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        cluster.Distributor.Rotate("first");
        var first = cluster.Distributor.CreateForJoiningMember(hm.AsMember());
        var again = cluster.Distributor.CreateForJoiningMember(hm.AsMember());

        var installed = await hm.Codec.OpenAsync(Message(first.Elements), CmJid, hm.Jid, CancellationToken.None);
        var redelivered = await hm.Codec.OpenAsync(Message(again.Elements), CmJid, hm.Jid, CancellationToken.None);
        var replayed = await hm.Codec.OpenAsync(Message(again.Elements), CmJid, hm.Jid, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(installed.Envelope?.InstalledKeyEpoch, Is.EqualTo(1u));
            Assert.That(redelivered.IsAccepted, Is.True, "a member that renewed its certificate gets the current key again");
            Assert.That(redelivered.Envelope?.InstalledKeyEpoch, Is.Null);
            Assert.That(replayed.Error, Is.EqualTo(ErrorCode.Replay));
            Assert.That(hm.Ring.CurrentEpoch, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Key_distribution_from_anyone_but_the_configured_cm_is_refused()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        var rogue = cluster.AddHostManager(2);
        // A second certificate with role cm but not the configured CM address.
        var otherCm = cluster.AddAgent("cm2@example.org", AgentRole.ClusterManager);
        var key = new byte[32];
        System.Security.Cryptography.RandomNumberGenerator.Fill(key);

        foreach (var sender in new[] { rogue, otherCm })
        {
            var forged = sender.Codec.SealKeyDistribution(Room, "rogue-key", 7, key, [hm.AsMember()]);
            var result = await hm.Codec.OpenAsync(Message(forged), sender.Jid, Room, CancellationToken.None);
            Assert.That(result.Error, Is.EqualTo(ErrorCode.KeyNotFromModerator), sender.Jid);
        }
        Assert.That(hm.Ring.CurrentEpoch, Is.Zero, "nothing installed");
        Assert.That(hm.Counters.RejectedCount(ErrorCode.KeyNotFromModerator), Is.EqualTo(2));

        // The genuine CM still gets through afterwards.
        cluster.RekeyAndDeliver(hm);
    }

    [Test]
    public void Rotation_for_many_members_is_split_into_paced_batches_each_member_once()
    {
        using var cluster = new TestCluster(new SecurityOptions { KeyDistributionBatchSize = 4, KeyDistributionInterval = TimeSpan.FromMilliseconds(50) });
        var members = Enumerable.Range(1, 10).Select(i => cluster.AddHostManager(i).AsMember()).ToList();

        var batches = cluster.Distributor.RotateAndDistribute(members, "timer");

        Assert.That(batches.Select(b => b.Members.Count), Is.EqualTo(new[] { 4, 4, 2 }));
        Assert.That(batches.Select(b => b.SendAfter), Is.EqualTo(new[] { TimeSpan.Zero, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100) }));
        Assert.That(batches.SelectMany(b => b.Members), Is.EquivalentTo(members.Select(m => m.BareJid)));
        Assert.That(batches.Select(b => b.MessageId).Distinct().Count(), Is.EqualTo(3));
    }

    [Test]
    public async Task Paced_sending_sends_every_batch_in_order()
    {
        using var cluster = new TestCluster(new SecurityOptions { KeyDistributionBatchSize = 2, KeyDistributionInterval = TimeSpan.Zero });
        var members = Enumerable.Range(1, 5).Select(i => cluster.AddHostManager(i).AsMember()).ToList();
        var batches = cluster.Distributor.RotateAndDistribute(members, "timer");
        var sent = new List<string>();

        await cluster.Distributor.SendPacedAsync(batches, (batch, _) => { sent.Add(batch.MessageId); return ValueTask.CompletedTask; }, CancellationToken.None);

        Assert.That(sent, Is.EqualTo(batches.Select(b => b.MessageId)));
    }

    [Test]
    public void Rotation_is_due_at_start_and_after_the_key_lifetime()
    {
        using var cluster = new TestCluster(new SecurityOptions { RoomKeyLifetime = TimeSpan.FromMinutes(10) });
        Assert.That(cluster.Distributor.IsRotationDue, Is.True, "no key yet");
        cluster.Distributor.Rotate("room created");
        Assert.That(cluster.Distributor.IsRotationDue, Is.False);
        cluster.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.That(cluster.Distributor.IsRotationDue, Is.True);
    }

    [Test]
    public void Only_a_cm_codec_may_distribute_keys()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        Assert.Throws<ArgumentException>(() => _ = new RoomKeyDistributor(hm.Codec));
    }

    [Test]
    public void Ring_never_installs_an_older_or_equal_epoch()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UnixEpoch);
        using var ring = new RoomKeyRing(Room, TimeSpan.FromSeconds(5), time);
        var key = new byte[32];
        Assert.That(ring.TryInstall(3, key), Is.True);
        Assert.That(ring.TryInstall(3, key), Is.False);
        Assert.That(ring.TryInstall(2, key), Is.False);
        Assert.That(ring.CurrentEpoch, Is.EqualTo(3));
    }
}
