using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Envelope;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Security.Audit;

/// <summary>
/// The non-repudiation log: an append-only file of JSON lines, one per command/reply received (with the exact
/// signed bytes, the signature, the signer's certificate and the single-use content key that shows what the
/// ciphertext said) and one per command executed (with its outcome). Each line carries the SHA-256 of the line
/// before it ("prev"), so deleting, inserting or reordering lines breaks the chain (<see cref="AuditLogVerifier"/>).
/// Publish <see cref="HeadHash"/> elsewhere (e.g. in the agent's own log) to detect truncation of the tail too.
/// The file holds content keys of the messages it records: protect it as the agent's key store (0600).
/// </summary>
public sealed class AuditLog : IDisposable
{
    /// <summary>The "prev" of the first line.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private readonly FileStream _stream;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _durable;
    private long _sequence;
    private string _headHash;

    private AuditLog(FileStream stream, long sequence, string headHash, TimeProvider time, ILogger logger, bool durable)
    {
        _stream = stream;
        _sequence = sequence;
        _headHash = headHash;
        _time = time;
        _logger = logger;
        _durable = durable;
    }

    /// <summary>Opens (or creates) the log and resumes its chain from the last line.</summary>
    /// <param name="durable">Flush each entry to disk (fsync) before returning; off only for tests and benchmarks.</param>
    public static async Task<AuditLog> OpenAsync(string path, TimeProvider time, ILogger<AuditLog> logger, bool durable,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        long sequence = 0;
        var head = GenesisHash;
        if (File.Exists(path))
        {
            string? last = null;
            foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken).ConfigureAwait(false))
            {
                if (line.Length > 0)
                {
                    last = line;
                }
            }
            if (last is not null)
            {
                using var document = JsonDocument.Parse(last);
                sequence = document.RootElement.GetProperty("seq").GetInt64();
                head = HashLine(System.Text.Encoding.UTF8.GetBytes(last));
            }
        }
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
        {
            // Owner-only from the first byte: the log holds per-message content keys.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        return new AuditLog(new FileStream(path, options), sequence, head, time, logger, durable);
    }

    /// <summary>SHA-256 (hex) of the last line written: the value the next line's "prev" will hold.</summary>
    public string HeadHash => _headHash;

    public long LastSequence => Interlocked.Read(ref _sequence);

    /// <summary>Records an accepted command, reply or event with its proof. Returns the entry's sequence number.</summary>
    public Task<long> AppendReceivedAsync(OpenedEnvelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var header = envelope.Header;
        var evidence = envelope.Evidence;
        return AppendAsync("received", header.MessageId, writer =>
        {
            writer.WriteString("sender", header.Sender);
            writer.WriteString("recipient", header.Recipient);
            writer.WriteString("role", envelope.SenderRole.ToWire());
            writer.WriteString("type", header.Type.ToWire());
            writer.WriteString("id", header.MessageId);
            writer.WriteString("mode", header.Mode.ToWire());
            writer.WriteNumber("epoch", header.KeyEpoch);
            writer.WriteString("stamp", header.Timestamp.ToString(EnvelopeNames.StampFormat, System.Globalization.CultureInfo.InvariantCulture));
            writer.WriteString("verification", "valid");
            writer.WriteString("sigAlg", evidence.SignatureAlgorithm.ToWire());
            writer.WriteBase64String("signedBytes", evidence.SignedBytes);
            writer.WriteBase64String("signature", evidence.Signature);
            writer.WriteBase64String("signerCert", evidence.Signer.RawData);
            writer.WriteString("signerSha256", evidence.Signer.GetCertHashString(HashAlgorithmName.SHA256));
            writer.WriteBase64String("payload", envelope.Payload.Span);
            writer.WriteBase64String("contentKey", evidence.ContentKey);
        }, cancellationToken);
    }

    /// <summary>Records that a received command was executed, and how it ended.</summary>
    public Task<long> AppendExecutedAsync(string messageId, string requester, ErrorCode outcome, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(messageId);
        ArgumentException.ThrowIfNullOrWhiteSpace(requester);
        return AppendAsync("executed", messageId, writer =>
        {
            writer.WriteString("id", messageId);
            writer.WriteString("sender", requester);
            writer.WriteNumber("outcome", (int)outcome);
            writer.WriteString("outcomeName", outcome.ToString());
        }, cancellationToken);
    }

    private async Task<long> AppendAsync(string kind, string messageId, Action<Utf8JsonWriter> writeFields, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sequence = _sequence + 1;
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteNumber("seq", sequence);
                writer.WriteString("prev", _headHash);
                writer.WriteString("time", _time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                writer.WriteString("kind", kind);
                writeFields(writer);
                writer.WriteEndObject();
            }
            var line = buffer.WrittenMemory;
            await _stream.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            await _stream.WriteAsync("\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (_durable)
            {
                _stream.Flush(flushToDisk: true);
            }
            _headHash = HashLine(line.Span);
            _sequence = sequence;
            SecurityLog.AuditEntryAppended(_logger, sequence, kind, messageId);
            return sequence;
        }
        finally
        {
            _gate.Release();
        }
    }

    internal static string HashLine(ReadOnlySpan<byte> lineUtf8) => Convert.ToHexStringLower(SHA256.HashData(lineUtf8));

    public void Dispose()
    {
        _stream.Dispose();
        _gate.Dispose();
    }
}
