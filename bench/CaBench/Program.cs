using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Hosting;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Scep;
using CleverCloud.TestSupport.Ldap;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;

// CA benchmark: (1) certificates signed per second in-process (the CA's own signing step), (2) SCEP enrollments
// per second end to end over loopback HTTP against the real CA host (PKCSReq in, signed+encrypted CertRep out,
// state committed, certificate published), (3) the same with the full ScepClient (client crypto included).
//   dotnet run -c Release --project bench/CaBench -- [--count 2000] [--concurrency 8] [--client-count 300] [--slapd]
//     [--steps] CPU of each step of one enrollment; [--steps-only] stop after them
var count = IntOption("--count", 2000);
var concurrency = IntOption("--concurrency", 8);
var clientCount = IntOption("--client-count", 300);
var withSlapd = args.Contains("--slapd");

var stateDirectory = Path.Combine(Path.GetTempPath(), "clever-ca-bench-" + Guid.NewGuid().ToString("N")[..8]);
await using var slapd = withSlapd ? await SlapdServer.StartNewAsync() : null;
var settings = new Dictionary<string, string>
{
    ["CertificateAuthority:StateDirectory"] = stateDirectory,
    ["CertificateAuthority:KeyPassword"] = "bench-password",
    ["CertificateAuthority:KeyEncryptionIterations"] = "100000",
    ["CertificateAuthority:Url"] = "http://127.0.0.1:0",
    ["Ldap:Uri"] = slapd?.Uri ?? "ldap://127.0.0.1:9",
    ["Ldap:BaseDn"] = slapd?.BaseDn ?? "dc=clevercloud,dc=test",
    ["Logging:LogLevel:Default"] = "Warning",
};
if (slapd is not null)
{
    settings["Ldap:BindDn"] = slapd.BindDn;
    settings["Ldap:BindPassword"] = slapd.BindPassword;
}
await using var app = CaHost.Build(null, settings.Select(pair => $"--{pair.Key}={pair.Value}").ToList(), services =>
{
    if (slapd is null)
    {
        services.Replace(ServiceDescriptor.Singleton<ICertificateDirectory>(new DiscardingDirectory()));
    }
});
await app.StartAsync();
var endpoint = new Uri(new Uri(CaHost.ListeningAddresses(app).Single()), "/scep");
var core = app.Services.GetRequiredService<CertificateAuthorityCore>();
var credentials = core.Credentials;
Console.WriteLine($"CA host on {endpoint}, directory: {(slapd is null ? "discarding (publication cost excluded)" : "real slapd " + slapd.Uri)}, {Environment.ProcessorCount} cores");

// (1) The CA's own signing step: build + sign one entity certificate.
var publicKeys = Enumerable.Range(0, count).Select(_ =>
{
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    return new PublicKey(key);
}).ToArray();
var signingCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var signing = Stopwatch.StartNew();
for (var index = 0; index < count; index++)
{
    CertificateProfile.Issue(credentials, $"sign-{index}@clever.test", AgentRole.HostManager, publicKeys[index], false,
        DateTimeOffset.UtcNow, TimeSpan.FromDays(365), null).Dispose();
}
signing.Stop();
var signingRate = count / signing.Elapsed.TotalSeconds;
var signingCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - signingCpuBefore).TotalMilliseconds / count;
Console.WriteLine($"signing step ({(credentials.CaKey is ECDsa ? "ECDSA P-256" : "RSA")} CA key): {count} certificates in {signing.Elapsed.TotalSeconds:F2} s = {signingRate:F0} certificates/s (one thread), {signingCpuMs:F3} ms CPU each");

// Cost of each cryptographic step of one enrollment at the CA (CPU-bound, one thread), to explain the totals.
if (args.Contains("--steps") || args.Contains("--steps-only"))
{
    const int samples = 300;
    using var requesterKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    using var requester = ScepClient.CreateTransientSigner(ScepClient.SubjectFor("steps@clever.test"), requesterKey);
    var csrBytes = ScepClient.BuildSigningRequest(ScepClient.SubjectFor("steps@clever.test"), "steps@clever.test", AgentRole.HostManager, requesterKey, "X");
    var enveloped = ScepEnvelope.Encrypt(csrBytes, credentials.RaCertificate);
    var signedRequest = new ScepPkiMessage { MessageType = ScepMessageType.PkcsReq, TransactionId = "T", SenderNonce = ScepPkiMessage.NewNonce(), Content = enveloped }.Encode(requester, requesterKey);
    var degenerate = DegeneratePkcs7.Encode([requester]);
    void Step(string name, Action action)
    {
        action();
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        for (var sample = 0; sample < samples; sample++)
        {
            action();
        }
        watch.Stop();
        process.Refresh();
        // Process CPU (not wall) is what a loaded 2-core machine distorts least.
        Console.WriteLine($"  step {name}: {watch.Elapsed.TotalMilliseconds / samples:F3} ms wall, {(process.TotalProcessorTime - cpu).TotalMilliseconds / samples:F3} ms CPU");
    }
    Step("decode+verify request SignedData", () => ScepPkiMessage.Decode(signedRequest).VerifySignature());
    Step("RSA-2048 decrypt request envelope (RA)", () => ScepEnvelope.Decrypt(enveloped, credentials.RaCertificate, credentials.RaKey));
    Step("inspect CSR (PoP signature check)", () => SigningRequestInspector.Inspect(csrBytes, requester));
    Step("issue certificate (CA signing step)", () => CertificateProfile.Issue(credentials, "steps@clever.test", AgentRole.HostManager, requester.PublicKey, false, DateTimeOffset.UtcNow, TimeSpan.FromDays(1), null).Dispose());
    Step("encrypt reply to EC requester (ECDH)", () => ScepEnvelope.Encrypt(degenerate, requester));
    Step("sign CertRep (CA ECDSA)", () => new ScepPkiMessage { MessageType = ScepMessageType.CertRep, TransactionId = "T", SenderNonce = ScepPkiMessage.NewNonce(), Content = enveloped, PkiStatus = ScepPkiStatus.Success }.Encode(credentials.CaCertificate, credentials.CaKey));
    Step("store: challenge create+check, then a lone commit (3 fsynced writes, no batching)", () =>
    {
        var address = "steps-" + Guid.NewGuid().ToString("N") + "@clever.test";
        var password = core.Store.CreateChallenge(address, AgentRole.HostManager, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));
        var transaction = Guid.NewGuid().ToString("N");
        var (_, binding) = core.Store.CheckChallenge(password, transaction, DateTimeOffset.UtcNow, _ => true);
        core.Store.CommitIssuanceAsync(new CleverCloud.CertificateAuthority.State.IssuedCertificate(
            Guid.NewGuid().ToString("N").ToUpperInvariant(), address, AgentRole.HostManager, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, [1], transaction, null, null),
            binding!.Id, DateTimeOffset.UtcNow).GetAwaiter().GetResult();
    });
}

if (args.Contains("--steps-only"))
{
    await StopAndCleanUpAsync();
    return 0;
}

// (2) End to end at the CA: requests prepared beforehand (client key generation and envelope excluded).
var preparation = Stopwatch.StartNew();
var messages = new byte[count][];
for (var index = 0; index < count; index++)
{
    var address = $"bench-{index}@clever.test";
    var challenge = core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1));
    using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    var csr = ScepClient.BuildSigningRequest(ScepClient.SubjectFor(address), address, AgentRole.HostManager, key, challenge);
    using var signer = ScepClient.CreateTransientSigner(ScepClient.SubjectFor(address), key);
    messages[index] = new ScepPkiMessage
    {
        MessageType = ScepMessageType.PkcsReq,
        TransactionId = ScepClient.TransactionIdFor(key),
        SenderNonce = ScepPkiMessage.NewNonce(),
        Content = ScepEnvelope.Encrypt(csr, credentials.RaCertificate),
    }.Encode(signer, key);
}
preparation.Stop();
Console.WriteLine($"client-side preparation (challenge, key, CSR, envelope, signature): {count / preparation.Elapsed.TotalSeconds:F0} requests/s (not counted below)");

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
var pkiOperation = new Uri(endpoint, "?operation=PKIOperation");
var latencies = new double[count];
var successes = 0;
var next = -1;
var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
var endToEnd = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
{
    int index;
    while ((index = Interlocked.Increment(ref next)) < count)
    {
        var started = Stopwatch.GetTimestamp();
        using var content = new ByteArrayContent(messages[index]);
        content.Headers.ContentType = new MediaTypeHeaderValue(ScepMediaTypes.PkiMessage);
        using var response = await http.PostAsync(pkiOperation, content);
        var reply = ScepPkiMessage.Decode(await response.Content.ReadAsByteArrayAsync());
        latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (reply.PkiStatus == ScepPkiStatus.Success && reply.Content.Length > 0)
        {
            Interlocked.Increment(ref successes);
        }
    }
})));
endToEnd.Stop();
var cpuPerEnrollment = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / count;
var rate = count / endToEnd.Elapsed.TotalSeconds;
Array.Sort(latencies);
Console.WriteLine($"end to end at the CA: {successes}/{count} issued in {endToEnd.Elapsed.TotalSeconds:F2} s = {rate:F0} enrollments/s " +
    $"with {concurrency} concurrent clients (latency p50 {latencies[count / 2]:F1} ms, p99 {latencies[count * 99 / 100]:F1} ms)");
Console.WriteLine($"  CPU per enrollment (CA + HTTP client, this process): {cpuPerEnrollment:F2} ms => CPU-bound capacity {Environment.ProcessorCount * 1000 / cpuPerEnrollment:F0} enrollments/s on {Environment.ProcessorCount} idle cores");
Console.WriteLine($"  signing step {signingCpuMs:F3} ms CPU = {signingCpuMs / cpuPerEnrollment * 100:F1}% of the CPU of an enrollment; " +
    $"end-to-end rate / signing-only rate = {rate / signingRate:P1}");

// (3) Full client: ScepClient.EnrollAsync including key generation, reply verification and ECDH decryption.
var client = new ScepClient(http, endpoint, NullLogger<ScepClient>.Instance) { TrustAnchor = ScepTrustAnchor.FromCertificate(credentials.CaCertificate) };
await client.GetCaCertificatesAsync(CancellationToken.None);
var challenges = Enumerable.Range(0, clientCount)
    .Select(index => core.CreateChallenge($"client-{index}@clever.test", AgentRole.HostManager, TimeSpan.FromHours(1))).ToArray();
var nextClient = -1;
var fullClient = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
{
    int index;
    while ((index = Interlocked.Increment(ref nextClient)) < clientCount)
    {
        using var certificate = await client.EnrollAsync(new EnrollmentRequest
        {
            XmppAddress = $"client-{index}@clever.test", Role = AgentRole.HostManager, ChallengePassword = challenges[index],
        }, CancellationToken.None);
    }
})));
fullClient.Stop();
Console.WriteLine($"full ScepClient on the same 2 cores: {clientCount} enrollments in {fullClient.Elapsed.TotalSeconds:F2} s = {clientCount / fullClient.Elapsed.TotalSeconds:F0} enrollments/s");
Console.WriteLine($"CA index now holds {core.Store.CountCertificates()} certificates");

await StopAndCleanUpAsync();
return 0;

async Task StopAndCleanUpAsync()
{
    await app.StopAsync();
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    System.IO.Directory.Delete(stateDirectory, recursive: true);
}

int IntOption(string name, int fallback)
{
    var position = Array.IndexOf(args, name);
    return position >= 0 && position + 1 < args.Length ? int.Parse(args[position + 1], CultureInfo.InvariantCulture) : fallback;
}

/// <summary>Benchmark-only directory that accepts everything: isolates the CA's own cost from LDAP's.</summary>
internal sealed class DiscardingDirectory : ICertificateDirectory
{
    public Task PublishCertificateAsync(string bareJid, AgentRole role, X509Certificate2 certificate, CancellationToken ct) => Task.CompletedTask;

    public Task RemoveCertificateAsync(string bareJid, CancellationToken ct) => Task.CompletedTask;

    public Task PublishCrlAsync(byte[] crlDer, CancellationToken ct) => Task.CompletedTask;

    public Task<X509Certificate2?> FindCertificateAsync(string bareJid, CancellationToken ct) => Task.FromResult<X509Certificate2?>(null);

    public Task<byte[]?> GetCrlAsync(CancellationToken ct) => Task.FromResult<byte[]?>(null);
}
