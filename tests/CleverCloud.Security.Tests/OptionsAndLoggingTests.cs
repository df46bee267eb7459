using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Policy;
using CleverCloud.Security.Tests.Support;
using Microsoft.Extensions.Logging;
using static CleverCloud.Security.Tests.Support.TestCluster;

namespace CleverCloud.Security.Tests;

public sealed class OptionsAndLoggingTests
{
    [Test]
    public async Task A_rejection_writes_a_security_warning_with_the_numbered_reason()
    {
        using var cluster = new TestCluster();
        var hmCertificate = cluster.Pki.Issue(HmJid(1), AgentRole.HostManager);
        cluster.Resolver.Publish(HmJid(1), hmCertificate);
        var logger = new CapturingLogger<SecureEnvelopeCodec>();
        using var ring = new RoomKeyRing(Room, TimeSpan.FromSeconds(30), cluster.Time);
        using var counters = new SecurityCounters();
        using var codec = new SecureEnvelopeCodec(new SecurityIdentity(HmJid(1), hmCertificate), cluster.Resolver, ring,
            new SenderPolicy(AgentRole.HostManager, CmJid), cluster.Options, counters, cluster.Time, logger);
        var command = Message(cluster.Cm.Codec.SealForPeer(new EnvelopeHeader(HmJid(1), "c-1", EnvelopeType.Command), Utf8("{}"), hmCertificate));
        await codec.OpenAsync(command, CmJid, HmJid(1), CancellationToken.None);

        var replay = await codec.OpenAsync(command, CmJid, HmJid(1), CancellationToken.None);

        Assert.That(replay.Error, Is.EqualTo(ErrorCode.Replay));
        var warning = logger.Entries.Single(e => e.Level == LogLevel.Warning);
        Assert.That(warning.Id.Id, Is.EqualTo(4001));
        Assert.That(warning.Message, Does.Contain("SECURITY").And.Contain("Replay").And.Contain("206").And.Contain(CmJid));
    }

    [Test]
    public void Invalid_options_fail_at_construction()
    {
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new SecurityOptions { FreshnessWindow = TimeSpan.Zero }.Validate());
            Assert.Throws<ArgumentOutOfRangeException>(() => new SecurityOptions { MaxPayloadBytes = 0 }.Validate());
            Assert.Throws<ArgumentOutOfRangeException>(() => new SecurityOptions { KeyDistributionBatchSize = 1001 }.Validate());
            Assert.Throws<ArgumentOutOfRangeException>(() => new SecurityOptions { RoomKeyWrap = (RoomKeyWrapMode)9 }.Validate());
        });
        Assert.DoesNotThrow(() => new SecurityOptions().Validate());
    }

    [Test]
    public void The_local_identity_must_match_its_certificate()
    {
        using var pki = new TestPki();
        using var certificate = pki.Issue(HmJid(1), AgentRole.HostManager);
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.RawData);
        using var roleless = pki.Issue(HmJid(1), "superuser");

        Assert.Throws<ArgumentException>(() => _ = new SecurityIdentity(HmJid(2), certificate));
        Assert.Throws<ArgumentException>(() => _ = new SecurityIdentity(HmJid(1), publicOnly));
        Assert.Throws<ArgumentException>(() => _ = new SecurityIdentity(HmJid(1), roleless));
        Assert.That(new SecurityIdentity(HmJid(1), certificate).Role, Is.EqualTo(AgentRole.HostManager));
    }

    [Test]
    public async Task A_room_key_wrapped_for_a_members_replaced_certificate_fails_decryption()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        var oldCertificate = cluster.Pki.Issue(hm.Jid, AgentRole.HostManager);
        cluster.Distributor.Rotate("test");

        var batch = cluster.Distributor.CreateDistribution([new RoomMember(hm.Jid, oldCertificate)]).Single();
        var result = await hm.Codec.OpenAsync(Message(batch.Elements), CmJid, Room, CancellationToken.None);

        Assert.That(result.Error, Is.EqualTo(ErrorCode.DecryptionFailed));
        Assert.That(hm.Ring.CurrentEpoch, Is.Zero);
        Assert.That(hm.Counters.RejectedCount(ErrorCode.DecryptionFailed), Is.EqualTo(1));
    }
}
