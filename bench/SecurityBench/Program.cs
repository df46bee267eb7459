using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using CleverCloud.Identity.Certificates;
using CleverCloud.Security;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.SecurityBench;

/// <summary>
/// Figures for the security layer: room seal+open throughput against a plaintext baseline, raw sign/verify cost,
/// and the CM's CPU time to wrap a room key for 1,000 members. Single process, wall clock and process CPU time.
/// </summary>
internal static class Program
{
    private const string Room = "cluster@conference.example.org";
    private const string CmJid = "cm@example.org";

    private static async Task Main()
    {
        Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {RuntimeInformationText()}");
        using var ca = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var caCertificate = CreateCa(ca);
        var resolver = new BenchResolver();
        var members = new RoomMemberSet();

        var cmCertificate = Issue(ca, caCertificate, CmJid, AgentRole.ClusterManager, rsa: false);
        resolver.Add(CmJid, cmCertificate, AgentRole.ClusterManager);
        var options = new SecurityOptions { KeyDistributionBatchSize = 100 };
        using var cm = CreateCodec(CmJid, cmCertificate, AgentRole.ClusterManager, resolver, options, members);
        var distributor = new RoomKeyDistributor(cm);

        var hmCertificate = Issue(ca, caCertificate, "hm0@example.org", AgentRole.HostManager, rsa: false);
        resolver.Add("hm0@example.org", hmCertificate, AgentRole.HostManager);
        members.Add("hm0@example.org");
        using var hm = CreateCodec("hm0@example.org", hmCertificate, AgentRole.HostManager, resolver, options, null);

        distributor.Rotate("bench");
        var join = distributor.CreateForJoiningMember(new RoomMember("hm0@example.org", hmCertificate));
        var installed = await hm.OpenAsync(new XElement("message", join.Elements), CmJid, "hm0@example.org", CancellationToken.None);
        Require(installed.IsAccepted, installed.ToString());

        await RoomThroughput(cm, hm);
        SignVerify(ca, caCertificate);
        RekeyThousand(ca, caCertificate, cm, distributor, resolver, members);
        await MemberSideOpen(ca, caCertificate, distributor, resolver, options, members);
    }

    private static async Task RoomThroughput(SecureEnvelopeCodec cm, SecureEnvelopeCodec hm)
    {
        var payload = new byte[300];
        RandomNumberGenerator.Fill(payload);
        const int count = 20_000;
        var header = new EnvelopeHeader(Room, "c-000001", EnvelopeType.Command);

        // Warm-up (JIT, key caches).
        for (var i = 0; i < 500; i++)
        {
            var warm = await hm.OpenAsync(new XElement("message", cm.SealForRoom(header, payload)), CmJid, Room, CancellationToken.None);
            Require(warm.IsAccepted, warm.ToString());
        }

        var baseline = Stopwatch.StartNew();
        long checksum = 0;
        for (var i = 0; i < count; i++)
        {
            // Same XML shape and base64 round trip, no cryptography.
            var message = new XElement("message", new XElement("body", Convert.ToBase64String(payload)));
            checksum += Convert.FromBase64String(message.Element("body")!.Value).Length;
        }
        baseline.Stop();

        var stanzas = new XElement[count];
        var sealCpu = CpuNow();
        var seal = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            stanzas[i] = new XElement("message", cm.SealForRoom(header, payload));
        }
        seal.Stop();
        var sealCpuTime = CpuNow() - sealCpu;

        var open = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var result = await hm.OpenAsync(stanzas[i], CmJid, Room, CancellationToken.None);
            if (!result.IsAccepted)
            {
                throw new InvalidOperationException(result.ToString());
            }
            checksum += result.Envelope.Payload.Length;
        }
        open.Stop();

        Console.WriteLine();
        Console.WriteLine($"Room messages, payload {payload.Length} B, {count:N0} messages (checksum {checksum})");
        Console.WriteLine($"  plaintext baseline (XML+base64 copy): {Rate(count, baseline),12:N0} msg/s  {Micro(baseline, count),8:F2} µs/msg");
        Console.WriteLine($"  seal (HKDF+AES-GCM+ES256 sign):       {Rate(count, seal),12:N0} msg/s  {Micro(seal, count),8:F2} µs/msg  (CPU {sealCpuTime.TotalMilliseconds / count * 1000:F2} µs/msg)");
        Console.WriteLine($"  open (parse+verify+replay+decrypt):   {Rate(count, open),12:N0} msg/s  {Micro(open, count),8:F2} µs/msg");
        Console.WriteLine($"  seal+open:                            {count / (seal.Elapsed + open.Elapsed).TotalSeconds,12:N0} msg/s");
    }

    private static void SignVerify(ECDsa ca, X509Certificate2 caCertificate)
    {
        var data = new byte[500];
        RandomNumberGenerator.Fill(data);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        const int n = 2_000;
        Console.WriteLine();
        Console.WriteLine($"Signatures over {data.Length} B ({n:N0} each)");
        var ecSignature = ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        Measure("  ES256 sign  ", n, () => ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        Measure("  ES256 verify", n, () => ec.VerifyData(data, ecSignature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var rsaSignature = rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
        Measure("  PS256 sign  ", n / 4, () => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        Measure("  PS256 verify", n, () => rsa.VerifyData(data, rsaSignature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        _ = ca;
        _ = caCertificate;
    }

    private static void RekeyThousand(ECDsa ca, X509Certificate2 caCertificate, SecureEnvelopeCodec cm, RoomKeyDistributor distributor,
        BenchResolver resolver, RoomMemberSet members)
    {
        var roomMembers = new List<RoomMember>(1000);
        for (var i = 1; i <= 1000; i++)
        {
            var jid = $"hm{i}@example.org";
            var certificate = Issue(ca, caCertificate, jid, AgentRole.HostManager, rsa: false);
            resolver.Add(jid, certificate, AgentRole.HostManager);
            members.Add(jid);
            roomMembers.Add(new RoomMember(jid, certificate));
        }
        Console.WriteLine();
        Console.WriteLine("Re-keying 1,000 EC members: CM CPU time to produce every wrapped key message (wrap + sign + XML)");
        // Warm the public-key import cache once, so each figure below is the re-key itself.
        foreach (var member in roomMembers)
        {
            _ = member.Certificate.GetECDsaPublicKey();
        }

        distributor.Rotate("bench");
        Report("ECDH-SS pairwise, first re-key (1,000 static ECDH, then cached)", () => distributor.CreateDistribution(roomMembers));
        distributor.Rotate("bench");
        Report("ECDH-SS pairwise, every later re-key (symmetric only)         ", () => distributor.CreateDistribution(roomMembers));
        distributor.Rotate("bench");
        Report("ECDH-SS pairwise, one join message per member                 ", () => roomMembers.Select(distributor.CreateForJoiningMember).ToList());

        var ephemeralOptions = new SecurityOptions { RoomKeyWrap = RoomKeyWrapMode.EphemeralPerBatch, KeyDistributionBatchSize = 100 };
        using var ephemeralCm = CreateCodec(CmJid, cm.Identity.Certificate, AgentRole.ClusterManager, resolver, ephemeralOptions, members);
        var ephemeralDistributor = new RoomKeyDistributor(ephemeralCm);
        ephemeralDistributor.Rotate("bench");
        Report("ECDH-ES, one ephemeral per batch of 100 (1,000 ECDH)          ", () => ephemeralDistributor.CreateDistribution(roomMembers));
        Report("ECDH-ES, one message per member (ephemeral + signature each)  ", () => roomMembers.Select(ephemeralDistributor.CreateForJoiningMember).ToList());
    }

    private static void Report(string label, Func<IReadOnlyList<KeyDistributionBatch>> produce)
    {
        var (cpu, wall, messages) = TimeDistribution(produce);
        Console.WriteLine($"  {label}: CPU {cpu,7:F1} ms, wall {wall,7:F1} ms, {messages,4} messages");
    }

    private static async Task MemberSideOpen(ECDsa ca, X509Certificate2 caCertificate, RoomKeyDistributor distributor,
        BenchResolver resolver, SecurityOptions options, RoomMemberSet members)
    {
        var jid = "hm50@example.org";
        var certificate = Issue(ca, caCertificate, jid, AgentRole.HostManager, rsa: false);
        resolver.Add(jid, certificate, AgentRole.HostManager);
        using var member = CreateCodec(jid, certificate, AgentRole.HostManager, resolver, options, null);
        var others = Enumerable.Range(1, 99).Select(i => $"x{i}@example.org")
            .Select(j => new RoomMember(j, Issue(ca, caCertificate, j, AgentRole.HostManager, rsa: false))).ToList();
        others.Add(new RoomMember(jid, certificate));
        distributor.Rotate("bench");
        var batch = distributor.CreateDistribution(others)[0];
        var watch = Stopwatch.StartNew();
        var result = await member.OpenAsync(new XElement("message", batch.Elements), CmJid, Room, CancellationToken.None);
        watch.Stop();
        Require(result.Envelope?.InstalledKeyEpoch is not null, result.ToString());
        Console.WriteLine($"  member installing its key from a 100-entry batch: {watch.Elapsed.TotalMilliseconds:F2} ms (cold: parse, 1 verify, 1 ECDH)");
        _ = members;
    }

    private static (double CpuMs, double WallMs, int Messages) TimeDistribution(Func<IReadOnlyList<KeyDistributionBatch>> produce)
    {
        var cpu = CpuNow();
        var wall = Stopwatch.StartNew();
        var batches = produce();
        wall.Stop();
        return ((CpuNow() - cpu).TotalMilliseconds, wall.Elapsed.TotalMilliseconds, batches.Count);
    }

    private static void Measure(string label, int count, Action action)
    {
        for (var i = 0; i < 50; i++)
        {
            action();
        }
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            action();
        }
        watch.Stop();
        Console.WriteLine($"{label}: {Micro(watch, count),8:F1} µs");
    }

    private static SecureEnvelopeCodec CreateCodec(string jid, X509Certificate2 certificate, AgentRole role, BenchResolver resolver,
        SecurityOptions options, IRoomMembership? members) =>
        new(new SecurityIdentity(jid, certificate), resolver, new RoomKeyRing(Room, options.PreviousEpochGrace, TimeProvider.System),
            new SenderPolicy(role, CmJid, members), options, new SecurityCounters(), TimeProvider.System,
            NullLogger<SecureEnvelopeCodec>.Instance);

    private static X509Certificate2 CreateCa(ECDsa key)
    {
        var request = new CertificateRequest("CN=Bench CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static X509Certificate2 Issue(ECDsa ca, X509Certificate2 caCertificate, string jid, AgentRole role, bool rsa)
    {
        var serial = RandomNumberGenerator.GetBytes(8);
        if (rsa)
        {
            using var rsaKey = RSA.Create(2048);
            var rsaRequest = new CertificateRequest($"CN={jid}", rsaKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            CertificateIdentity.AddTo(rsaRequest, jid, role);
            using var rsaIssued = rsaRequest.Create(caCertificate.SubjectName, X509SignatureGenerator.CreateForECDsa(ca),
                DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), serial);
            return rsaIssued.CopyWithPrivateKey(rsaKey);
        }
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={jid}", key, HashAlgorithmName.SHA256);
        CertificateIdentity.AddTo(request, jid, role);
        using var issued = request.Create(caCertificate.SubjectName, X509SignatureGenerator.CreateForECDsa(ca),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    private static TimeSpan CpuNow() => Process.GetCurrentProcess().TotalProcessorTime;

    private static double Rate(int count, Stopwatch watch) => count / watch.Elapsed.TotalSeconds;

    private static double Micro(Stopwatch watch, int count) => watch.Elapsed.TotalMilliseconds * 1000 / count;

    private static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.OSDescription;

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    private sealed class BenchResolver : IPeerCertificateResolver
    {
        private readonly Dictionary<string, PeerCertificateResult> _entries = new(StringComparer.Ordinal);

        public void Add(string jid, X509Certificate2 certificate, AgentRole role) => _entries[jid] = PeerCertificateResult.Valid(certificate, role);

        public ValueTask<PeerCertificateResult> ResolveAsync(string bareJid, CancellationToken cancellationToken) =>
            ValueTask.FromResult(_entries.TryGetValue(bareJid, out var result)
                ? result
                : PeerCertificateResult.Rejected(PeerCertificateStatus.Unknown, "unknown"));
    }
}
