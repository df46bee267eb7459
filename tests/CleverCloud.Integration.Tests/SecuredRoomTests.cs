using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using CleverCloud.Agent.Hosting;
using CleverCloud.Agent.Security;
using CleverCloud.CertificateAuthority.Hosting;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.Cli;
using CleverCloud.ClusterManager;
using CleverCloud.ClusterManager.State;
using CleverCloud.ClusterManager.Workers;
using CleverCloud.HostManager;
using CleverCloud.Identity.Bootstrap;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.TestSupport.Identity;
using CleverCloud.TestSupport.Ldap;
using CleverCloud.TestSupport.Xmpp;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CleverCloud.Integration.Tests;

/// <summary>
/// The encrypted room of issue 4 with every real part, in-process: slapd, the CA (agents enroll through SCEP), the XMPP
/// server (Prosody, the default, and ejabberd, the paper's), the CM and three HMs composed exactly as
/// <c>clever-cm</c>/<c>clever-hm</c> compose them, and the administrator CLI.
/// A host joining later gets the current room key; a host removed by the administrator or whose certificate is
/// revoked is re-keyed out and cannot read what is sent afterwards, although the test still holds its old keys.
/// </summary>
[TestFixture("prosody")]
[TestFixture("ejabberd")]
[NonParallelizable]
public sealed class SecuredRoomTests(string serverKind)
{
    private const string Domain = "secured.test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private SlapdServer slapd = null!;
    private LocalCertificateAuthority ca = null!;
    private CertificateAuthorityCore core = null!;
    private IXmppTestServer server = null!;
    private string work = null!;
    private string caPem = null!;
    private Uri scep = null!;
    private readonly List<IHost> agents = [];

    private static string Jid(string name) => $"{name}@{Domain}";

    [OneTimeSetUp]
    public async Task StartInfrastructure()
    {
        work = System.IO.Directory.CreateTempSubdirectory("clever-secured-room-").FullName;
        slapd = await SlapdServer.StartNewAsync();
        ca = await LocalCertificateAuthority.StartAsync(work, slapd, "secured-room-ca-password");
        core = ca.Core;
        caPem = ca.CaCertificateFile;
        scep = ca.ScepEndpoint;
        server = serverKind == "prosody"
            ? await ProsodyServer.StartAsync(Domain)
            : await EjabberdServer.StartAsync(Domain);
    }

    [OneTimeTearDown]
    public async Task StopEverything()
    {
        foreach (var agent in Enumerable.Reverse(agents))
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await agent.StopAsync(stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            agent.Dispose();
        }
        await server.DisposeAsync();
        await ca.DisposeAsync();
        await slapd.DisposeAsync();
        System.IO.Directory.Delete(work, recursive: true);
    }

    [Test]
    public async Task A_late_joiner_gets_the_current_key_and_removed_or_revoked_hosts_cannot_read_later_traffic()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;

        var cm = await StartAgentAsync("cm", AgentRole.ClusterManager, (services, configuration) => services.AddClusterManager(configuration));
        await cm.Services.GetRequiredService<ClusterAgentService>().Ready.WaitAsync(ct);
        var roomKeys = cm.Services.GetRequiredService<RoomKeyService>();
        var firstEpoch = roomKeys.CurrentEpoch;

        var hm1 = await StartHostAsync("hm1", ct);
        var seenByHm1 = new List<Message>();
        hm1.Services.GetRequiredService<XmppClient>().MessageReceived += (message, _) =>
        {
            lock (seenByHm1)
                seenByHm1.Add(message);
            return Task.CompletedTask;
        };
        Assert.That(await HostInfoAsync(cm, "hm1", ct), Is.EqualTo(ErrorCode.None));

        // A member joining later gets the key in force, without a rotation.
        var hm2 = await StartHostAsync("hm2", ct);
        Assert.Multiple(() =>
        {
            Assert.That(roomKeys.CurrentEpoch, Is.EqualTo(firstEpoch), "a join does not rotate the key");
            Assert.That(Keys(hm2).CurrentEpoch, Is.EqualTo(firstEpoch), "the late joiner holds the current epoch");
        });
        Assert.That(await HostInfoAsync(cm, "hm2", ct), Is.EqualTo(ErrorCode.None), "the late joiner reads room traffic");

        // The administrator removes hm2 through the CLI: de-affiliated, kicked, the room re-keyed without it.
        var admin = WriteConfig("admin", AgentRole.Administrator, "admin");
        var output = new StringWriter();
        var exit = await CliApplication.RunAsync(["--config", admin, "host", "remove", Jid("hm2")], output, output);
        Assert.That(exit, Is.EqualTo(CliApplication.Ok), output.ToString());
        await WaitUntilAsync(() => roomKeys.CurrentEpoch > firstEpoch && Keys(hm1).CurrentEpoch == roomKeys.CurrentEpoch, "re-key after the removal", ct);
        var afterRemoval = roomKeys.CurrentEpoch;
        Assert.That(Keys(hm2).CurrentEpoch, Is.EqualTo(firstEpoch), "the removed host never received the new epoch");
        await AssertCannotReadNextCommandAsync(cm, hm1, seenByHm1, Protector(hm2), afterRemoval, ct);
        var store = cm.Services.GetRequiredService<ClusterStore>();
        Assert.That(store.ExclusionOf(Jid("hm2")), Does.StartWith("removed by admin@" + Domain));

        // hm3 joins after a rotation: it gets that epoch, not the first one.
        var hm3 = await StartHostAsync("hm3", ct);
        Assert.That(Keys(hm3).CurrentEpoch, Is.EqualTo(afterRemoval));
        Assert.That(await HostInfoAsync(cm, "hm3", ct), Is.EqualTo(ErrorCode.None));

        // The CA revokes hm3's certificate: the CM notices at its next certificate check, re-keys and drops it.
        var serial = hm3.Services.GetRequiredService<AgentIdentityProvider>().Current.Certificate.SerialNumber;
        await core.RevokeAsync(serial, X509RevocationReason.KeyCompromise, ct);
        await WaitUntilAsync(() => roomKeys.CurrentEpoch > afterRemoval && Keys(hm1).CurrentEpoch == roomKeys.CurrentEpoch, "re-key after the revocation", ct);
        await WaitUntilAsync(() => !store.IsAdmitted(Jid("hm3")), "the revoked host is no longer admitted", ct);
        Assert.That(Keys(hm3).CurrentEpoch, Is.EqualTo(afterRemoval), "the revoked host never received the new epoch");
        await AssertCannotReadNextCommandAsync(cm, hm1, seenByHm1, Protector(hm3), roomKeys.CurrentEpoch, ct);
        Assert.That(await HostInfoAsync(cm, "hm3", ct), Is.EqualTo(ErrorCode.HostOffline), "the revoked host is out of the room");
        Assert.That(store.ExclusionOf(Jid("hm3")), Does.Contain("Revoked").Or.Contain("Unknown"));

        // hm1 renews its certificate (RenewalReq signed by the old one, through SCEP): the CM verifies what it signs with
        // the new key and wraps later epochs for the new certificate.
        var identities = hm1.Services.GetRequiredService<AgentIdentityProvider>();
        var oldSerial = identities.Current.Certificate.SerialNumber;
        identities.Set(await hm1.Services.GetRequiredService<IdentityBootstrapper>().RenewAsync(identities.Current, ct));
        Assert.That(identities.Current.Certificate.SerialNumber, Is.Not.EqualTo(oldSerial));
        Assert.That(Protector(hm1).Codec.Identity.Certificate.SerialNumber, Is.EqualTo(identities.Current.Certificate.SerialNumber),
            "the HM signs with the renewed key");
        Assert.That(await HostInfoAsync(cm, "hm1", ct), Is.EqualTo(ErrorCode.None), "a reply signed with the renewed key is accepted");
        var beforeRotation = roomKeys.CurrentEpoch;
        await roomKeys.RotateAsync("test", ct);
        await WaitUntilAsync(() => Keys(hm1).CurrentEpoch == roomKeys.CurrentEpoch && roomKeys.CurrentEpoch > beforeRotation,
            "the renewed host holds the newest epoch", ct);
        Assert.That(await HostInfoAsync(cm, "hm1", ct), Is.EqualTo(ErrorCode.None));
        Assert.That(Protector(hm1).Counters.AcceptedCount, Is.GreaterThan(0));
    }

    /// <summary>
    /// The CM sends hm1 a command under the newest epoch; the test hands the captured stanza to the excluded host's
    /// codec, which still holds every key it ever had: it must refuse it for want of the session key.
    /// </summary>
    private async Task AssertCannotReadNextCommandAsync(IHost cm, IHost hm1, List<Message> seenByHm1, SecureProtector excluded,
        uint epoch, CancellationToken ct)
    {
        lock (seenByHm1)
            seenByHm1.Clear();
        Assert.That(await HostInfoAsync(cm, "hm1", ct), Is.EqualTo(ErrorCode.None), "the remaining member still works");
        XElement command;
        lock (seenByHm1)
        {
            command = seenByHm1.Select(m => (XElement)m).Single(m => excluded.CarriesPayload(m)
                && m.Descendants().Any(d => d.Attribute("type")?.Value == "command"));
        }
        var opened = await excluded.Codec.OpenAsync(new XElement(command), Jid("cm"), $"cluster@{server.MucDomain}", ct);
        Assert.Multiple(() =>
        {
            Assert.That(opened.IsAccepted, Is.False, "an excluded host decrypted traffic of epoch " + epoch);
            Assert.That(opened.Error, Is.EqualTo(ErrorCode.NoSessionKey));
        });
    }

    private static async Task<ErrorCode> HostInfoAsync(IHost cm, string host, CancellationToken ct)
    {
        var result = await cm.Services.GetRequiredService<IHostCommandSender>().SendAsync(Jid(host), "host.info", null, ct);
        return result.Code;
    }

    private async Task<IHost> StartHostAsync(string name, CancellationToken ct)
    {
        var host = await StartAgentAsync(name, AgentRole.HostManager, (services, configuration) => services.AddHostManager(configuration));
        var cm = agents[0];
        var live = cm.Services.GetRequiredService<LiveHosts>();
        var roomKeys = cm.Services.GetRequiredService<RoomKeyService>();
        await WaitUntilAsync(() => live.Find(Jid(name)) is { Online: true } && Keys(host).CurrentEpoch == roomKeys.CurrentEpoch,
            $"{name} admitted, in the room and holding the room key", ct);
        return host;
    }

    private async Task<IHost> StartAgentAsync(string name, AgentRole role, Action<IServiceCollection, IConfiguration> compose)
    {
        var builder = AgentHost.CreateBuilder(["--config", WriteConfig(name, role, name)]);
        compose(builder.Services, builder.Configuration);
        var host = builder.Build();
        agents.Add(host);
        await host.StartAsync();
        return host;
    }

    private static SecureProtector Protector(IHost host) => host.Services.GetRequiredService<SecureProtector>();

    private static Security.Keys.RoomKeyRing Keys(IHost host) => Protector(host).RoomKeys;

    private string WriteConfig(string name, AgentRole role, string directory)
    {
        var home = System.IO.Directory.CreateDirectory(Path.Combine(work, directory)).FullName;
        var config = new JsonObject
        {
            ["Xmpp"] = new JsonObject
            {
                ["Domain"] = Domain, ["Host"] = server.Host, ["Port"] = server.C2sPort, ["Username"] = name,
                ["Password"] = "xmpp-" + name + "-secret", ["RegisterAccount"] = true, ["TrustedCertificateFile"] = server.CertificatePath,
            },
            ["Agent"] = new JsonObject { ["RoomJid"] = $"cluster@{server.MucDomain}", ["ManagerJid"] = Jid("cm") },
            ["Identity"] = new JsonObject
            {
                ["XmppAddress"] = Jid(name), ["Role"] = role.ToString(), ["KeystorePath"] = Path.Combine(home, "identity.p12"),
                ["KeystorePassword"] = "keystore-" + name, ["ScepUrl"] = scep.ToString(),
                ["Challenge"] = core.CreateChallenge(Jid(name), role, TimeSpan.FromHours(1)), ["CaCertificateFile"] = caPem,
            },
            ["Ldap"] = new JsonObject { ["Uri"] = slapd.Uri, ["BaseDn"] = slapd.BaseDn },
            ["PeerValidation"] = new JsonObject { ["CaCertificateFile"] = caPem },
            ["Security"] = new JsonObject { ["AuditLogPath"] = Path.Combine(home, "audit.jsonl") },
            ["Cluster"] = new JsonObject
            {
                ["DatabasePath"] = Path.Combine(home, "cluster.db"), ["AutoAdmitDomains"] = new JsonArray(Domain),
                ["CertificateCheckInterval"] = "00:00:01",
            },
            ["HostManager"] = new JsonObject
            {
                ["LibvirtUri"] = "test:///default", ["ImageDirectory"] = System.IO.Directory.CreateDirectory(Path.Combine(work, "images")).FullName,
                ["StateDirectory"] = Path.Combine(home, "state"), ["MonitoringInterval"] = "00:00:05",
            },
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
        };
        var path = Path.Combine(home, "config.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting for: {what}");
            await Task.Delay(100, ct);
        }
    }
}
