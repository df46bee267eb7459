using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleverCloud.Protocol;
using CleverCloud.Security.Audit;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static CleverCloud.Security.Tests.Support.TestCluster;

namespace CleverCloud.Security.Tests;

public sealed class AuditLogTests
{
    private TestCluster _cluster = null!;
    private TestAgent _hm = null!;
    private TestAgent _rsaHm = null!;
    private string _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _cluster = new TestCluster();
        _hm = _cluster.AddHostManager(1);
        _rsaHm = _cluster.AddHostManager(2, KeyKind.Rsa2048);
        _cluster.RekeyAndDeliver(_hm, _rsaHm);
        _directory = Path.Combine(Path.GetTempPath(), "cc-audit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _path = Path.Combine(_directory, "audit.jsonl");
    }

    [TearDown]
    public void TearDown()
    {
        _cluster.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Writes: an EC room command received by the HM, its execution, an EC peer reply and an RSA room reply at the CM.</summary>
    private async Task<string> WriteLogAsync()
    {
        using var log = await AuditLog.OpenAsync(_path, _cluster.Time, NullLogger<AuditLog>.Instance, durable: true, CancellationToken.None);
        var command = await _hm.Codec.OpenAsync(Message(_cluster.Cm.Codec.SealForRoom(
            new EnvelopeHeader(Room, "c-1", EnvelopeType.Command), Utf8("""{"op":"vm.start","args":{"name":"web"}}"""))), CmJid, Room, CancellationToken.None);
        await log.AppendReceivedAsync(command.Envelope!, CancellationToken.None);
        await log.AppendExecutedAsync("c-1", CmJid, ErrorCode.None, CancellationToken.None);
        var reply = await _cluster.Cm.Codec.OpenAsync(Message(_hm.Codec.SealForPeer(
            new EnvelopeHeader(CmJid, "c-1", EnvelopeType.Reply), Utf8("""{"ok":true}"""), _cluster.Cm.Certificate)), _hm.Jid, CmJid, CancellationToken.None);
        await log.AppendReceivedAsync(reply.Envelope!, CancellationToken.None);
        var rsaReply = await _cluster.Cm.Codec.OpenAsync(Message(_rsaHm.Codec.SealForRoom(
            new EnvelopeHeader(Room, "c-2", EnvelopeType.Reply), Utf8("""{"ok":false}"""))), _rsaHm.Jid, Room, CancellationToken.None);
        await log.AppendReceivedAsync(rsaReply.Envelope!, CancellationToken.None);
        return log.HeadHash;
    }

    [Test]
    public async Task Entries_verify_signatures_chain_and_payload()
    {
        var head = await WriteLogAsync();

        var report = AuditLogVerifier.Verify(_path, _cluster.Pki.Certificate, head);

        Assert.That(report.Problems, Is.Empty);
        Assert.That(report.IsIntact, Is.True);
        Assert.That(report.EntryCount, Is.EqualTo(4));
        Assert.That(report.VerifiedSignatures, Is.EqualTo(3));
        var first = JsonNode.Parse(File.ReadLines(_path).First())!;
        Assert.That((string?)first["prev"], Is.EqualTo(AuditLog.GenesisHash));
        Assert.That((string?)first["verification"], Is.EqualTo("valid"));
    }

    [Test]
    public async Task Reopening_the_log_continues_the_chain()
    {
        await WriteLogAsync();
        string head;
        using (var log = await AuditLog.OpenAsync(_path, _cluster.Time, NullLogger<AuditLog>.Instance, durable: false, CancellationToken.None))
        {
            Assert.That(log.LastSequence, Is.EqualTo(4));
            await log.AppendExecutedAsync("c-2", CmJid, ErrorCode.VmNotRunning, CancellationToken.None);
            head = log.HeadHash;
        }

        var report = AuditLogVerifier.Verify(_path, _cluster.Pki.Certificate, head);
        Assert.That(report.Problems, Is.Empty);
        Assert.That(report.EntryCount, Is.EqualTo(5));
    }

    [Test]
    public async Task A_modified_payload_is_detected_by_decryption_and_by_the_chain()
    {
        await WriteLogAsync();
        var lines = File.ReadAllLines(_path);
        var entry = JsonNode.Parse(lines[0])!.AsObject();
        entry["payload"] = Convert.ToBase64String(Utf8("""{"op":"vm.destroy","args":{"name":"web"}}"""));
        lines[0] = entry.ToJsonString();
        File.WriteAllLines(_path, lines);

        var report = AuditLogVerifier.Verify(_path, _cluster.Pki.Certificate);

        Assert.That(report.IsIntact, Is.False);
        Assert.That(report.Problems, Has.Some.Matches<AuditProblem>(p => p.Line == 1 && p.Kind == AuditProblemKind.PayloadMismatch));
        Assert.That(report.Problems, Has.Some.Matches<AuditProblem>(p => p.Line == 2 && p.Kind == AuditProblemKind.BrokenChain));
    }

    [Test]
    public async Task Modified_signed_bytes_fail_the_signature()
    {
        await WriteLogAsync();
        var lines = File.ReadAllLines(_path);
        var entry = JsonNode.Parse(lines[2])!.AsObject();
        var signed = Convert.FromBase64String((string)entry["signedBytes"]!);
        signed[^1] ^= 0x80;
        entry["signedBytes"] = Convert.ToBase64String(signed);
        lines[2] = entry.ToJsonString();
        File.WriteAllLines(_path, lines);

        var report = AuditLogVerifier.Verify(_path, _cluster.Pki.Certificate);

        Assert.That(report.Problems, Has.Some.Matches<AuditProblem>(p => p.Line == 3 && p.Kind == AuditProblemKind.BadSignature));
    }

    [Test]
    public async Task A_deleted_line_is_detected()
    {
        await WriteLogAsync();
        var lines = File.ReadAllLines(_path).ToList();
        lines.RemoveAt(1);
        File.WriteAllLines(_path, lines);

        var report = AuditLogVerifier.Verify(_path, _cluster.Pki.Certificate);

        Assert.That(report.Problems, Has.Some.Matches<AuditProblem>(p => p.Line == 2 && p.Kind == AuditProblemKind.BrokenChain));
        Assert.That(report.Problems, Has.Some.Matches<AuditProblem>(p => p.Line == 2 && p.Kind == AuditProblemKind.SequenceGap));
    }

    [Test]
    public async Task Reordered_lines_and_a_cut_tail_are_detected()
    {
        var head = await WriteLogAsync();
        var lines = File.ReadAllLines(_path);
        (lines[1], lines[2]) = (lines[2], lines[1]);
        File.WriteAllLines(_path, lines);
        Assert.That(AuditLogVerifier.Verify(_path, _cluster.Pki.Certificate).Problems,
            Has.Some.Matches<AuditProblem>(p => p.Kind == AuditProblemKind.BrokenChain));

        (lines[1], lines[2]) = (lines[2], lines[1]);
        File.WriteAllLines(_path, lines[..^1]);
        var cut = AuditLogVerifier.Verify(_path, _cluster.Pki.Certificate, head);
        Assert.That(cut.Problems, Has.Some.Matches<AuditProblem>(p => p.Kind == AuditProblemKind.TruncatedTail));
    }

    [Test]
    public async Task A_signer_outside_the_cluster_ca_is_reported()
    {
        await WriteLogAsync();
        using var otherCa = new TestPki("Some Other CA");

        var report = AuditLogVerifier.Verify(_path, otherCa.Certificate);

        Assert.That(report.Problems.Count(p => p.Kind == AuditProblemKind.UntrustedSigner), Is.EqualTo(3));
    }

    [TestCase(0, "ES256")]
    [TestCase(3, "PS256")]
    public async Task Openssl_verifies_an_exported_entry_and_refuses_a_tampered_one(int index, string algorithm)
    {
        await WriteLogAsync();
        var exportDirectory = Path.Combine(_directory, "export-" + index);

        var export = AuditLogExporter.ExportEntry(_path, index, exportDirectory);
        var entry = JsonDocument.Parse(File.ReadLines(_path).ElementAt(index)).RootElement;
        Assert.That(entry.GetProperty("sigAlg").GetString(), Is.EqualTo(algorithm));

        var (exitCode, output) = await RunAsync(exportDirectory, export.OpenSslCommand);
        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("Verified OK"));

        File.WriteAllText(Path.Combine(exportDirectory, "ca.pem"), _cluster.Pki.Certificate.ExportCertificatePem());
        var (chainExit, chainOutput) = await RunAsync(exportDirectory, "openssl verify -CAfile ca.pem signer.pem");
        Assert.That(chainExit, Is.Zero, chainOutput);

        var data = await File.ReadAllBytesAsync(export.DataPath);
        data[20] ^= 0x01;
        await File.WriteAllBytesAsync(export.DataPath, data);
        var (tamperedExit, tamperedOutput) = await RunAsync(exportDirectory, export.OpenSslCommand);
        Assert.That(tamperedExit, Is.Not.Zero);
        Assert.That(tamperedOutput, Does.Contain("Verification failure"));
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, string commandLine)
    {
        var parts = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var start = new ProcessStartInfo(parts[0])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in parts.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
