using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using CleverCloud.Identity.Certificates;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Security.Tests.Support;

/// <summary>One agent under test: its certificate, key ring, counters and codec.</summary>
public sealed class TestAgent(string jid, X509Certificate2 certificate, RoomKeyRing ring, SecurityCounters counters,
    SecureEnvelopeCodec codec) : IDisposable
{
    public string Jid { get; } = jid;
    public X509Certificate2 Certificate { get; } = certificate;
    public RoomKeyRing Ring { get; } = ring;
    public SecurityCounters Counters { get; } = counters;
    public SecureEnvelopeCodec Codec { get; } = codec;

    public RoomMember AsMember() => new(Jid, Certificate);

    public void Dispose()
    {
        Codec.Dispose();
        Ring.Dispose();
        Counters.Dispose();
    }
}

/// <summary>A CM, HMs and an admin sharing one test CA, one in-memory directory and one manual clock.</summary>
public sealed class TestCluster : IDisposable
{
    public const string Room = "cluster@conference.example.org";
    public const string CmJid = "cm@example.org";
    public const string AdminJid = "admin@example.org";

    private readonly List<TestAgent> _agents = [];

    public TestCluster(SecurityOptions? options = null, KeyKind cmKey = KeyKind.EcP256)
    {
        Options = options ?? new SecurityOptions();
        Time = new ManualTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        Cm = AddAgent(CmJid, AgentRole.ClusterManager, cmKey);
        Distributor = new RoomKeyDistributor(Cm.Codec);
    }

    public TestPki Pki { get; } = new();
    public InMemoryResolver Resolver { get; } = new();
    public RoomMemberSet Members { get; } = new();
    public SecurityOptions Options { get; }
    public ManualTimeProvider Time { get; }
    public TestAgent Cm { get; }
    public RoomKeyDistributor Distributor { get; }

    public static string HmJid(int number) => $"hm{number}@example.org";

    public TestAgent AddAgent(string jid, AgentRole role, KeyKind kind = KeyKind.EcP256, TimeProvider? clock = null,
        bool publish = true)
    {
        var certificate = Pki.Issue(jid, role, kind);
        if (publish)
        {
            Resolver.Publish(jid, certificate);
        }
        return Wrap(jid, certificate, role, clock);
    }

    /// <summary>An agent whose codec runs with <paramref name="certificate"/> but whose directory entry is untouched.</summary>
    public TestAgent Wrap(string jid, X509Certificate2 certificate, AgentRole role, TimeProvider? clock = null)
    {
        var time = clock ?? Time;
        var ring = new RoomKeyRing(Room, Options.PreviousEpochGrace, time);
        var counters = new SecurityCounters();
        var policy = new SenderPolicy(role, CmJid, role == AgentRole.ClusterManager ? Members : null);
        var codec = new SecureEnvelopeCodec(new SecurityIdentity(jid, certificate), Resolver, ring, policy, Options, counters,
            time, NullLogger<SecureEnvelopeCodec>.Instance);
        var agent = new TestAgent(jid, certificate, ring, counters, codec);
        _agents.Add(agent);
        return agent;
    }

    public TestAgent AddHostManager(int number, KeyKind kind = KeyKind.EcP256)
    {
        var agent = AddAgent(HmJid(number), AgentRole.HostManager, kind);
        Members.Add(agent.Jid);
        return agent;
    }

    /// <summary>New epoch for the given members, every batch delivered to each of them; asserts each installed it.</summary>
    public uint RekeyAndDeliver(params TestAgent[] members)
    {
        var batches = Distributor.RotateAndDistribute(members.Select(m => m.AsMember()).ToList(), "test");
        foreach (var batch in batches)
        {
            foreach (var member in members)
            {
                var result = member.Codec.OpenAsync(Message(batch.Elements), CmJid, Room, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                Assert.That(result.IsAccepted, Is.True, () => $"{member.Jid}: {result}");
            }
        }
        foreach (var member in members)
        {
            Assert.That(member.Ring.CurrentEpoch, Is.EqualTo(Distributor.CurrentEpoch), member.Jid);
        }
        return Distributor.CurrentEpoch;
    }

    public static XElement Message(IEnumerable<XElement> children) =>
        new(XName.Get("message", "jabber:client"), new XAttribute("type", "groupchat"), children.Select(c => new XElement(c)));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public void Dispose()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }
        Pki.Dispose();
    }
}
