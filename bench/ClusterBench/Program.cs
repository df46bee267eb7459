using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CleverCloud.Agent;
using CleverCloud.Agent.Messaging;
using CleverCloud.Agent.Security;
using CleverCloud.Identity.Bootstrap;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Operations;
using CleverCloud.Security;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Policy;
using CleverCloud.TestSupport.Xmpp;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Muc;
using CleverCloud.Xmpp.Protocols.Muc;
using Microsoft.Extensions.Logging.Abstractions;

// Command round trips CM → HM → CM through one real Prosody, three ways in one run:
//   1. baseline: raw XMPP chat message ping-pong between the same two accounts (the server's one-to-one ceiling),
//   2. plaintext: the command protocol (dispatcher, correlation, reply cache) through the room, unsigned,
//   3. secured: the same, signed and encrypted under the room key (paper §V-A).
// Sequential round trips give p50/p99; pipelined requests (64 in flight) give throughput. Bounded in count and time.
var sequential = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1000;
var pipelined = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4000;

await using var server = await ProsodyServer.StartAsync("bench.test");
Console.WriteLine($"Prosody on {server.Host}:{server.C2sPort}; {sequential} sequential, {pipelined} pipelined per mode");

XmppClientOptions Options(string user) => new()
{
    Domain = server.Domain, Host = server.Host, Port = server.C2sPort, Username = user, Password = "pw-" + user,
    RegisterAccount = true, TrustedCertificateFile = server.CertificatePath, PingInterval = TimeSpan.Zero,
};

await using var cmClient = new XmppClient(Options("cm"));
await using var hmClient = new XmppClient(Options("hm"));
await cmClient.ConnectAsync(default);
await hmClient.ConnectAsync(default);
await cmClient.SendAsync(new Presence(), default);
await hmClient.SendAsync(new Presence(), default);

// ---- 1. baseline: raw chat ping-pong
hmClient.MessageReceived += async (m, ct) =>
{
    if (m.Body is { } body && m.From is { } from && from.Bare == cmClient.BareJid)
        await hmClient.SendAsync(new Message { To = from, Type = MessageType.Chat, Body = body }, ct);
};
var pending = new System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource>();
cmClient.MessageReceived += (m, _) =>
{
    if (m.Body is { } body && pending.TryRemove(body, out var done))
        done.TrySetResult();
    return Task.CompletedTask;
};
async Task RawRoundTrip(int i)
{
    var key = "p" + i;
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    pending[key] = done;
    await cmClient.SendAsync(new Message { To = hmClient.BoundJid, Type = MessageType.Chat, Body = key }, default);
    await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
}
var baseline = await Measure("baseline raw XMPP", RawRoundTrip, sequential, pipelined);

// ---- room for the protocol modes
var cmMuc = new MultiUserChat(cmClient);
var hmMuc = new MultiUserChat(hmClient);
var room = Jid.Parse($"bench{Random.Shared.Next(100000)}@{server.MucDomain}");
await cmMuc.CreateOrConfigureAsync(room, "cm", MucRoomConfig.ControlRoom(), default);
await cmMuc.SetAffiliationAsync(room, hmClient.BareJid, MucAffiliation.Member, "bench", default);
await hmMuc.JoinAsync(room, "hm", default);
await Task.Delay(500);
var agentCm = new AgentOptions { RoomJid = room.ToString(), ManagerJid = cmClient.BareJid.ToString(), Nick = "cm" };
var agentHm = new AgentOptions { RoomJid = room.ToString(), ManagerJid = cmClient.BareJid.ToString(), Nick = "hm" };
using var cmChannel = new XmppAgentChannel(cmClient, cmMuc, agentCm, NullLogger<XmppAgentChannel>.Instance);
using var hmChannel = new XmppAgentChannel(hmClient, hmMuc, agentHm, NullLogger<XmppAgentChannel>.Instance);

async Task<(double P50, double P99, double PerSecond)> ProtocolMode(string name, IMessageProtector cmProtector, IMessageProtector hmProtector)
{
    var cmMessenger = new AgentMessenger(cmChannel, cmProtector, NullLogger<AgentMessenger>.Instance);
    var hmMessenger = new AgentMessenger(hmChannel, hmProtector, NullLogger<AgentMessenger>.Instance);
    using var cmEndpoint = new CommandEndpoint(cmMessenger, null, null, new CommandEndpointOptions(), TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
    var dispatcher = new OperationDispatcher(new OperationRegistry([new PingOperation()]), NullLogger<OperationDispatcher>.Instance);
    using var hmEndpoint = new CommandEndpoint(hmMessenger, dispatcher, null, new CommandEndpointOptions(), TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
    cmMessenger.Attach(cmEndpoint);
    hmMessenger.Attach(hmEndpoint);
    var hmAddress = room.WithResource("hm").ToString();
    async Task RoundTrip(int i)
    {
        var result = await cmEndpoint.RequestAsync(hmAddress, "bench.ping", null, TimeSpan.FromSeconds(30), default);
        if (!result.Success)
            throw new InvalidOperationException(result.ToString());
    }
    var measured = await Measure(name, RoundTrip, sequential, pipelined);
    return measured;
}

var plaintext = await ProtocolMode("plaintext protocol", new PlaintextProtector(), new PlaintextProtector());

// ---- 3. secured: a throw-away CA, certificates with xmppAddr and role, the room key from the CM's distributor
using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
var caRequest = new CertificateRequest("CN=bench CA", caKey, HashAlgorithmName.SHA256);
caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
X509Certificate2 Issue(string jid, AgentRole role)
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var request = new CertificateRequest($"CN={jid}", key, HashAlgorithmName.SHA256);
    CertificateIdentity.AddTo(request, jid, role);
    using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(16));
    return issued.CopyWithPrivateKey(key);
}
var cmCert = Issue(cmClient.BareJid.ToString(), AgentRole.ClusterManager);
var hmCert = Issue(hmClient.BareJid.ToString(), AgentRole.HostManager);
var resolver = new StaticResolver(new()
{
    [cmClient.BareJid.ToString()] = (cmCert, AgentRole.ClusterManager),
    [hmClient.BareJid.ToString()] = (hmCert, AgentRole.HostManager),
});
var members = new RoomMemberSet();
members.Add(hmClient.BareJid.ToString());
SecureProtector Secured(X509Certificate2 cert, AgentRole role, AgentOptions agent, IRoomMembership? roomMembers)
{
    var identities = new AgentIdentityProvider();
    identities.Set(new AgentIdentity(cert.GetNameInfo(X509NameType.SimpleName, false), role, cert, [ca]));
    return new SecureProtector(identities, resolver, new SecurityOptions(), agent, roomMembers, new SecurityCounters(), null,
        TimeProvider.System, NullLoggerFactory.Instance);
}
var cmSecure = Secured(cmCert, AgentRole.ClusterManager, agentCm, members);
var hmSecure = Secured(hmCert, AgentRole.HostManager, agentHm, null);
var distributor = new RoomKeyDistributor(cmSecure.Codec);
distributor.Rotate("bench");
var keyBatch = distributor.CreateForJoiningMember(new RoomMember(hmClient.BareJid.ToString(), hmCert));
var keyMessage = new Message { Type = MessageType.Chat };
foreach (var element in keyBatch.Elements)
    keyMessage.Add(element);
var installed = await hmSecure.UnprotectAsync(keyMessage, cmClient.BareJid.ToString(), cmClient.BoundJid!.ToString(), hmClient.BareJid.ToString(), default);
if (!installed.Consumed)
    throw new InvalidOperationException("room key not installed: " + installed.Reason);
var secured = await ProtocolMode("secured protocol", cmSecure, hmSecure);

Console.WriteLine();
Console.WriteLine($"ratio plaintext/baseline throughput: {plaintext.PerSecond / baseline.PerSecond:0.00}");
Console.WriteLine($"ratio secured/plaintext throughput:  {secured.PerSecond / plaintext.PerSecond:0.00} (goal >= 0.75)");
Console.WriteLine($"secured round trip p50 {secured.P50:0.000} ms (goal <= 0.4 ms), p99 {secured.P99:0.000} ms");

static async Task<(double P50, double P99, double PerSecond)> Measure(string name, Func<int, Task> roundTrip, int sequential, int pipelined)
{
    for (var i = 0; i < 200; i++)
        await roundTrip(-1 - i); // warm-up
    var samples = new double[sequential];
    for (var i = 0; i < sequential; i++)
    {
        var start = Stopwatch.GetTimestamp();
        await roundTrip(i);
        samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
    Array.Sort(samples);
    using var gate = new SemaphoreSlim(64);
    var clock = Stopwatch.StartNew();
    var tasks = new List<Task>(pipelined);
    for (var i = 0; i < pipelined; i++)
    {
        await gate.WaitAsync();
        var n = sequential + i;
        tasks.Add(Task.Run(async () => { try { await roundTrip(n); } finally { gate.Release(); } }));
    }
    await Task.WhenAll(tasks);
    var perSecond = pipelined / clock.Elapsed.TotalSeconds;
    var p50 = samples[samples.Length / 2];
    var p99 = samples[(int)(samples.Length * 0.99)];
    Console.WriteLine($"{name,-22} sequential p50 {p50,7:0.000} ms  p99 {p99,7:0.000} ms   pipelined {perSecond,8:0} round trips/s");
    return (p50, p99, perSecond);
}

sealed class PingOperation : IOperation
{
    public string Name => "bench.ping";
    public string Description => "Answers at once.";
    public IReadOnlyList<ParameterDescriptor> Parameters => [];
    public OperationAvailability CheckAvailability() => OperationAvailability.Available;
    public Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken) =>
        Task.FromResult(OperationResult.Ok(new JsonObject { ["pong"] = true }));
}

sealed class StaticResolver(Dictionary<string, (X509Certificate2 Certificate, AgentRole Role)> certificates) : IPeerCertificateResolver
{
    public ValueTask<PeerCertificateResult> ResolveAsync(string bareJid, CancellationToken cancellationToken) =>
        ValueTask.FromResult(certificates.TryGetValue(bareJid, out var entry)
            ? PeerCertificateResult.Valid(entry.Certificate, entry.Role)
            : PeerCertificateResult.Rejected(PeerCertificateStatus.Unknown, "not in the benchmark's set"));
}
