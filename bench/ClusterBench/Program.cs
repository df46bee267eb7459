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

// Issue 4's benchmark: secured vs plaintext (the spine's protocol) through one real Prosody (or ejabberd), in one run.
//   1. baseline: raw XMPP chat ping-pong between the same two accounts (the server's one-to-one ceiling), also
//      padded to the plaintext and the secured stanza sizes (the server's per-byte share),
//   2. plaintext: the command protocol (dispatcher, correlation, reply cache) through the room, unsigned,
//   3. secured: the same, signed and encrypted under the room key (paper §V-A).
// For each: sequential round trips (p50/p99), pipelined round trips (64 in flight) and pipelined one-way messages
// (events HM -> CM, counted when the CM has opened them). Then the same two protocol modes without any server (an
// in-process loopback channel that still serializes and re-parses every stanza) to show this process's own CPU cost
// per message, which is what security adds. The server's own CPU per one-way message is read from /proc for both modes:
// when the server is the busiest process (Prosody is single-threaded) their ratio bounds the throughput ratio. Last, the
// secured round trip's floor on this machine: the raw round trip
// at the secured size, plus the protocol's own cost, plus two signatures and two verifications (ECDSA P-256, timed
// in the same run). Bounded in count and time.
//   dotnet run -c Release --project bench/ClusterBench -- [sequential=1000] [pipelined=4000] [prosody|ejabberd]
var sequential = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1000;
var pipelined = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 4000;

var serverKind = args.Length > 2 ? args[2] : "prosody";
await using var server = await XmppTestServers.StartAsync(serverKind, new XmppServerOptions { Domain = "bench.test" });
Console.WriteLine($"{serverKind} on {server.Host}:{server.C2sPort}; {sequential} sequential, {pipelined} pipelined per mode; {Environment.ProcessorCount} cores");

// The server's own CPU time (utime + stime of all its processes, in clock ticks), to say where a message's cost goes.
TimeSpan ServerCpu()
{
    long ticks = 0;
    foreach (var pid in server.ProcessIds())
    {
        try
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            // A helper process that exited between the listing and the read.
        }
    }
    return TimeSpan.FromSeconds(ticks / 100.0);
}

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
    if (m.Body is { } body && pending.TryRemove(body.TrimEnd('x'), out var done))
        done.TrySetResult();
    return Task.CompletedTask;
};
async Task RawRoundTrip(int i, string padding = "")
{
    var key = "p" + i;
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    pending[key] = done;
    await cmClient.SendAsync(new Message { To = hmClient.BoundJid, Type = MessageType.Chat, Body = key + padding }, default);
    await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
}
var baseline = await Bench.MeasureRoundTrips("baseline raw XMPP", i => RawRoundTrip(i), sequential, pipelined);
// The same padded to the plaintext protocol's stanza size (~270 B) and to the secured one's (~760 B; both printed at
// the end): what the server and the parsers cost for the size alone, apart from any cryptography. Their ratio is the
// ceiling the server's per-byte work sets on secured/plaintext throughput.
var rawAtPlaintextSize = await Bench.MeasureRoundTrips("raw XMPP, ~270 B", i => RawRoundTrip(i, new string('x', 130)), sequential, pipelined);
var rawAtSecuredSize = await Bench.MeasureRoundTrips("raw XMPP, ~760 B", i => RawRoundTrip(i, new string('x', 620)), sequential, pipelined);

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

var pki = new BenchPki(cmClient.BareJid.ToString(), hmClient.BareJid.ToString());
var plaintext = await Bench.ProtocolMode("plaintext protocol", cmChannel, hmChannel, new PlaintextProtector(), new PlaintextProtector(), sequential, pipelined, ServerCpu);
var (cmSecure, hmSecure) = await pki.SecuredPairAsync(agentCm, agentHm);
ModeResult secured;
try
{
    secured = await Bench.ProtocolMode("secured protocol", cmChannel, hmChannel, cmSecure, hmSecure, sequential, pipelined, ServerCpu);
}
finally
{
    // A message the security layer refused is a finding, not noise: say which and why.
    foreach (var (side, protector) in new[] { ("CM", cmSecure), ("HM", hmSecure) })
        foreach (var (code, count) in protector.Counters.Snapshot().Where(pair => pair.Value > 0))
            Console.WriteLine($"  {side} refused {count} message(s): {code} ({(int)code})");
}

Console.WriteLine();
Console.WriteLine("Without a server (loopback channel: serialize + re-parse each stanza), this process's CPU per message:");
var loopRoom = "loop@rooms.bench.test";
var loopCm = new AgentOptions { RoomJid = loopRoom, ManagerJid = cmClient.BareJid.ToString(), Nick = "cm" };
var loopHm = new AgentOptions { RoomJid = loopRoom, ManagerJid = cmClient.BareJid.ToString(), Nick = "hm" };
var (cmLoop, hmLoop) = LoopbackChannel.Pair(loopRoom, ("cm", cmClient.BareJid.ToString()), ("hm", hmClient.BareJid.ToString()));
var loopPlain = await Bench.ProtocolMode("plaintext, no server", cmLoop, hmLoop, new PlaintextProtector(), new PlaintextProtector(), sequential, pipelined);
var plainBytes = (cmLoop.TakeMeanStanzaBytes() + hmLoop.TakeMeanStanzaBytes()) / 2;
var (cmLoopSecure, hmLoopSecure) = await pki.SecuredPairAsync(loopCm, loopHm);
var loopSecured = await Bench.ProtocolMode("secured, no server", cmLoop, hmLoop, cmLoopSecure, hmLoopSecure, sequential, pipelined);
var securedBytes = (cmLoop.TakeMeanStanzaBytes() + hmLoop.TakeMeanStanzaBytes()) / 2;
Console.WriteLine($"mean stanza size: plaintext {plainBytes:0} B, secured {securedBytes:0} B (the server's work grows with it: see the raw lines at both sizes)");

Console.WriteLine();
Console.WriteLine($"through {serverKind}: secured/plaintext one-way throughput {secured.OneWayPerSecond / plaintext.OneWayPerSecond:0.00} (goal >= 0.75), " +
    $"round-trip throughput {secured.RoundTripsPerSecond / plaintext.RoundTripsPerSecond:0.00}; plaintext/raw round trips {plaintext.RoundTripsPerSecond / baseline.RoundTripsPerSecond:0.00}");
Console.WriteLine($"the server's CPU per one-way message: plaintext {plaintext.ServerMicrosPerOneWay:0} µs, secured {secured.ServerMicrosPerOneWay:0} µs; " +
    $"while the server is the busiest process the ratio cannot exceed {plaintext.ServerMicrosPerOneWay / secured.ServerMicrosPerOneWay:0.00}");
Console.WriteLine($"raw XMPP at the two stanza sizes (~760 B / ~270 B round trips/s): {rawAtSecuredSize.RoundTripsPerSecond / rawAtPlaintextSize.RoundTripsPerSecond:0.00}; " +
    $"raw round trip p50 at the secured size {rawAtSecuredSize.P50:0.000} ms");
Console.WriteLine($"secured round trip p50 {secured.P50:0.000} ms (goal <= 0.4 ms), p99 {secured.P99:0.000} ms; raw XMPP p50 {baseline.P50:0.000} ms, plaintext p50 {plaintext.P50:0.000} ms");
var (signMicros, verifyMicros) = pki.MeasureSignVerify();
var floor = rawAtSecuredSize.P50 + (plaintext.P50 - rawAtPlaintextSize.P50) + 2 * (signMicros + verifyMicros) / 1000;
Console.WriteLine($"ECDSA P-256 here: sign {signMicros:0.0} µs, verify {verifyMicros:0.0} µs; secured round-trip floor = raw p50 at the secured size " +
    $"+ the protocol's own p50 cost + 2 × (sign + verify) = {floor:0.000} ms");
Console.WriteLine($"security's own cost (no server): {loopSecured.CpuMicrosPerOneWay - loopPlain.CpuMicrosPerOneWay:0} µs CPU per one-way message, " +
    $"{loopSecured.P50 - loopPlain.P50:0.000} ms per round trip at p50");

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

/// <summary>What one protocol mode measured.</summary>
readonly record struct ModeResult(double P50, double P99, double RoundTripsPerSecond, double OneWayPerSecond, double CpuMicrosPerOneWay,
    double ServerMicrosPerOneWay = 0);

static class Bench
{
    public static async Task<ModeResult> ProtocolMode(string name, IAgentChannel cmChannel, IAgentChannel hmChannel,
        IMessageProtector cmProtector, IMessageProtector hmProtector, int sequential, int pipelined, Func<TimeSpan>? serverCpu = null)
    {
        var cmMessenger = new AgentMessenger(cmChannel, cmProtector, NullLogger<AgentMessenger>.Instance);
        var hmMessenger = new AgentMessenger(hmChannel, hmProtector, NullLogger<AgentMessenger>.Instance);
        using var cmEndpoint = new CommandEndpoint(cmMessenger, null, null, new CommandEndpointOptions(), TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
        var dispatcher = new OperationDispatcher(new OperationRegistry([new PingOperation()]), NullLogger<OperationDispatcher>.Instance);
        using var hmEndpoint = new CommandEndpoint(hmMessenger, dispatcher, null, new CommandEndpointOptions(), TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
        cmMessenger.Attach(cmEndpoint);
        hmMessenger.Attach(hmEndpoint);
        // Messengers of earlier modes stay subscribed to the channels; they ignore stanzas of another protector.
        var hmAddress = cmChannel.RoomJid + "/hm";
        var cmAddress = cmChannel.RoomJid + "/cm";
        async Task RoundTrip(int i)
        {
            var result = await cmEndpoint.RequestAsync(hmAddress, "bench.ping", null, TimeSpan.FromSeconds(30), default);
            if (!result.Success)
                throw new InvalidOperationException(result.ToString());
        }
        var roundTrips = await MeasureRoundTrips(name, RoundTrip, sequential, pipelined);

        // One-way: the HM sends events back to back; done when the CM has opened (verified, decrypted) them all.
        var received = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cmEndpoint.EventReceived += (_, _) =>
        {
            if (Interlocked.Increment(ref received) == pipelined)
                all.TrySetResult();
            return Task.CompletedTask;
        };
        var data = new System.Text.Json.Nodes.JsonObject { ["cpu"] = 12.5, ["memoryFreeMiB"] = 2048 };
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var serverCpuBefore = serverCpu?.Invoke() ?? TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        using var window = new SemaphoreSlim(256);
        for (var i = 0; i < pipelined; i++)
        {
            await window.WaitAsync();
            var send = hmEndpoint.PublishEventAsync(cmAddress, "bench.load", data, default);
            _ = Release(send, window);
        }
        try
        {
            await all.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{name}: only {Volatile.Read(ref received)} of {pipelined} one-way messages arrived within 2 minutes");
        }
        var oneWay = pipelined / clock.Elapsed.TotalSeconds;
        var cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / pipelined;
        var serverMicros = serverCpu is null ? 0 : (serverCpu() - serverCpuBefore).TotalMicroseconds / pipelined;
        var server = serverCpu is null ? "" : $", the server {serverMicros,4:0} µs";
        Console.WriteLine($"{"",-22} one-way pipelined {oneWay,8:0} messages/s, this process {cpuMicros,6:0} µs CPU per message{server}");
        return roundTrips with { OneWayPerSecond = oneWay, CpuMicrosPerOneWay = cpuMicros, ServerMicrosPerOneWay = serverMicros };

        static async Task Release(ValueTask send, SemaphoreSlim window)
        {
            try
            {
                await send;
            }
            finally
            {
                window.Release();
            }
        }
    }

    public static async Task<ModeResult> MeasureRoundTrips(string name, Func<int, Task> roundTrip, int sequential, int pipelined)
    {
        // Warm-up: at least 200 round trips and one second, so the code measured runs tiered-up, not freshly JIT-ed.
        var warmUp = Stopwatch.StartNew();
        for (var i = 0; i < 200 || warmUp.Elapsed < TimeSpan.FromSeconds(1); i++)
            await roundTrip(-1 - i);
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
        return new ModeResult(p50, p99, perSecond, 0, 0);
    }
}

/// <summary>A throw-away CA and the CM/HM certificates; a secured protector pair with the room key installed.</summary>
sealed class BenchPki
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private readonly string _cmJid;
    private readonly string _hmJid;
    private readonly X509Certificate2 _cmCert;
    private readonly X509Certificate2 _hmCert;
    private readonly StaticResolver _resolver;

    public BenchPki(string cmJid, string hmJid)
    {
        var caRequest = new CertificateRequest("CN=bench CA", _caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _cmJid = cmJid;
        _hmJid = hmJid;
        _cmCert = Issue(cmJid, AgentRole.ClusterManager);
        _hmCert = Issue(hmJid, AgentRole.HostManager);
        _resolver = new StaticResolver(new()
        {
            [cmJid] = (_cmCert, AgentRole.ClusterManager),
            [hmJid] = (_hmCert, AgentRole.HostManager),
        });
    }

    private X509Certificate2 Issue(string jid, AgentRole role)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={jid}", key, HashAlgorithmName.SHA256);
        CertificateIdentity.AddTo(request, jid, role);
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(16));
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>ECDSA P-256 sign and verify of a 700-byte message with the HM's key, µs each (the floor per message).</summary>
    public (double SignMicros, double VerifyMicros) MeasureSignVerify(int count = 4000)
    {
        using var key = _hmCert.GetECDsaPrivateKey()!;
        using var verifier = _hmCert.GetECDsaPublicKey()!;
        var data = new byte[700];
        var signature = key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
            key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var sign = clock.Elapsed.TotalMicroseconds / count;
        clock.Restart();
        for (var i = 0; i < count; i++)
            verifier.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return (sign, clock.Elapsed.TotalMicroseconds / count);
    }

    public async Task<(SecureProtector Cm, SecureProtector Hm)> SecuredPairAsync(AgentOptions cmAgent, AgentOptions hmAgent)
    {
        var members = new RoomMemberSet();
        members.Add(_hmJid);
        var cm = Secured(_cmCert, AgentRole.ClusterManager, cmAgent, members);
        var hm = Secured(_hmCert, AgentRole.HostManager, hmAgent, null);
        var distributor = new RoomKeyDistributor(cm.Codec);
        distributor.Rotate("bench");
        var keyBatch = distributor.CreateForJoiningMember(new RoomMember(_hmJid, _hmCert));
        var keyMessage = new Message { Type = MessageType.Chat };
        foreach (var element in keyBatch.Elements)
            keyMessage.Add(element);
        var installed = await hm.UnprotectAsync(keyMessage, _cmJid, _cmJid + "/bench", _hmJid, default);
        if (!installed.Consumed)
            throw new InvalidOperationException("room key not installed: " + installed.Reason);
        return (cm, hm);
    }

    private SecureProtector Secured(X509Certificate2 cert, AgentRole role, AgentOptions agent, IRoomMembership? roomMembers)
    {
        var identities = new AgentIdentityProvider();
        identities.Set(new AgentIdentity(cert.GetNameInfo(X509NameType.SimpleName, false), role, cert, [_ca]));
        return new SecureProtector(identities, _resolver, new SecurityOptions(), agent, roomMembers, new SecurityCounters(), null,
            TimeProvider.System, NullLoggerFactory.Instance);
    }
}

/// <summary>
/// Two agents joined without a server: every stanza is serialized to text and parsed again on the other side, and
/// delivered in order from a loop of its own, as the XMPP client's dispatch loop does — so the figures are this
/// process's own work per message.
/// </summary>
sealed class LoopbackChannel : IAgentChannel
{
    private static readonly System.Xml.Linq.XNamespace Client = "jabber:client";
    private readonly string _nick;
    private readonly Dictionary<string, string> _identities;
    private LoopbackChannel _peer = null!;

    private readonly System.Threading.Channels.Channel<(string Text, string From)> _inbox =
        System.Threading.Channels.Channel.CreateUnbounded<(string Text, string From)>(new() { SingleReader = true });

    private LoopbackChannel(string room, string nick, string jid, Dictionary<string, string> identities)
    {
        RoomJid = room;
        _nick = nick;
        OwnJid = jid;
        _identities = identities;
        _ = Task.Run(DeliverInOrderAsync);
    }

    public static (LoopbackChannel Cm, LoopbackChannel Hm) Pair(string room, (string Nick, string Jid) cm, (string Nick, string Jid) hm)
    {
        var identities = new Dictionary<string, string> { [room + "/" + cm.Nick] = cm.Jid, [room + "/" + hm.Nick] = hm.Jid };
        var a = new LoopbackChannel(room, cm.Nick, cm.Jid, identities);
        var b = new LoopbackChannel(room, hm.Nick, hm.Jid, identities);
        a._peer = b;
        b._peer = a;
        return (a, b);
    }

    private long _bytesSent;
    private long _stanzasSent;

    public string RoomJid { get; }

    public string OwnJid { get; }

    /// <summary>Mean size of the stanzas sent since the last call (the wire size Prosody would carry).</summary>
    public double TakeMeanStanzaBytes()
    {
        var bytes = Interlocked.Exchange(ref _bytesSent, 0);
        var count = Interlocked.Exchange(ref _stanzasSent, 0);
        return count == 0 ? 0 : (double)bytes / count;
    }

    public event Func<InboundStanza, CancellationToken, Task>? MessageReceived;

    public string? IdentityOf(string occupantAddress) => _identities.GetValueOrDefault(occupantAddress);

    public ValueTask SendDirectAsync(string to, string id, IReadOnlyList<System.Xml.Linq.XElement> children, CancellationToken cancellationToken) =>
        Send("chat", id, children);

    public ValueTask SendToRoomAsync(string id, IReadOnlyList<System.Xml.Linq.XElement> children, CancellationToken cancellationToken) =>
        Send("groupchat", id, children);

    private ValueTask Send(string type, string id, IReadOnlyList<System.Xml.Linq.XElement> children)
    {
        var from = RoomJid + "/" + _nick;
        var message = new System.Xml.Linq.XElement(Client + "message", new System.Xml.Linq.XAttribute("type", type),
            new System.Xml.Linq.XAttribute("id", id), new System.Xml.Linq.XAttribute("from", from), children);
        var text = message.ToString(System.Xml.Linq.SaveOptions.DisableFormatting);
        Interlocked.Add(ref _bytesSent, System.Text.Encoding.UTF8.GetByteCount(text));
        Interlocked.Increment(ref _stanzasSent);
        // In order, like a stream: the peer's delivery loop raises one message after the other.
        _peer._inbox.Writer.TryWrite((text, from));
        return ValueTask.CompletedTask;
    }

    private async Task DeliverInOrderAsync()
    {
        await foreach (var (text, from) in _inbox.Reader.ReadAllAsync())
        {
            var stanza = System.Xml.Linq.XElement.Parse(text);
            if (MessageReceived is { } handler)
                await handler(new InboundStanza(stanza, from, _identities[from], ViaRoom: true), CancellationToken.None);
        }
    }
}
