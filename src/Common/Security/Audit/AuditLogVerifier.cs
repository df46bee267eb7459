using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CleverCloud.Identity.Certificates;
using CleverCloud.Security.Envelope;

namespace CleverCloud.Security.Audit;

public enum AuditProblemKind
{
    MalformedLine,
    BrokenChain,
    SequenceGap,
    BadSignature,
    UntrustedSigner,
    SignerMismatch,
    FieldMismatch,
    PayloadMismatch,
    TruncatedTail,
}

/// <param name="Line">1-based line number in the file.</param>
public sealed record AuditProblem(int Line, AuditProblemKind Kind, string Detail);

public sealed record AuditVerificationReport(int EntryCount, int VerifiedSignatures, string HeadHash, IReadOnlyList<AuditProblem> Problems)
{
    public bool IsIntact => Problems.Count == 0;
}

/// <summary>
/// Checks an audit log offline: the hash chain and sequence (deleted, inserted or reordered lines), and for every
/// received entry the signature over the signed bytes, the signer certificate's chain to the cluster CA at signing
/// time, that the certificate names the signed sender, that the JSON fields match the signed bytes, and that the
/// signed ciphertext decrypts with the recorded content key to exactly the recorded payload.
/// </summary>
public static class AuditLogVerifier
{
    /// <param name="expectedHeadHash">When known (published elsewhere), also detects lines cut from the end.</param>
    public static AuditVerificationReport Verify(string path, X509Certificate2 trustedCa, string? expectedHeadHash = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(trustedCa);
        var problems = new List<AuditProblem>();
        var previousHash = AuditLog.GenesisHash;
        long previousSequence = 0;
        var entries = 0;
        var verified = 0;
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            entries++;
            var bytes = Encoding.UTF8.GetBytes(line);
            try
            {
                using var document = JsonDocument.Parse(bytes);
                var root = document.RootElement;
                var sequence = root.GetProperty("seq").GetInt64();
                var prev = root.GetProperty("prev").GetString();
                if (!string.Equals(prev, previousHash, StringComparison.Ordinal))
                {
                    problems.Add(new AuditProblem(lineNumber, AuditProblemKind.BrokenChain,
                        "prev does not hash the line before: a line was deleted, inserted, altered or moved"));
                }
                if (sequence != previousSequence + 1)
                {
                    problems.Add(new AuditProblem(lineNumber, AuditProblemKind.SequenceGap, $"seq {sequence} follows {previousSequence}"));
                }
                previousSequence = sequence;
                if (root.GetProperty("kind").GetString() == "received" && VerifyReceived(root, trustedCa, lineNumber, problems))
                {
                    verified++;
                }
            }
            catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException
                                                  or FormatException or CryptographicException)
            {
                problems.Add(new AuditProblem(lineNumber, AuditProblemKind.MalformedLine, exception.Message));
            }
            previousHash = AuditLog.HashLine(bytes);
        }
        if (expectedHeadHash is not null && !string.Equals(expectedHeadHash, previousHash, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new AuditProblem(lineNumber, AuditProblemKind.TruncatedTail, "the last line is not the published head"));
        }
        return new AuditVerificationReport(entries, verified, previousHash, problems);
    }

    private static bool VerifyReceived(JsonElement root, X509Certificate2 trustedCa, int line, List<AuditProblem> problems)
    {
        var signed = root.GetProperty("signedBytes").GetBytesFromBase64();
        var signature = root.GetProperty("signature").GetBytesFromBase64();
        using var signer = X509CertificateLoader.LoadCertificate(root.GetProperty("signerCert").GetBytesFromBase64());
        var payload = root.GetProperty("payload").GetBytesFromBase64();
        var contentKey = root.GetProperty("contentKey").GetBytesFromBase64();

        if (!CanonicalEncoding.TryParse(signed, out var header, out _, out _, out var bodyOffset, out var bodyLength))
        {
            problems.Add(new AuditProblem(line, AuditProblemKind.MalformedLine, "signedBytes is not a canonical envelope"));
            return false;
        }
        if (header.Sender != root.GetProperty("sender").GetString() || header.MessageId != root.GetProperty("id").GetString()
            || header.Type.ToWire() != root.GetProperty("type").GetString() || header.Recipient != root.GetProperty("recipient").GetString())
        {
            problems.Add(new AuditProblem(line, AuditProblemKind.FieldMismatch, "JSON fields differ from the signed header"));
        }
        var (address, role) = CertificateIdentity.Read(signer);
        if (address != header.Sender || role?.ToWire() != root.GetProperty("role").GetString())
        {
            problems.Add(new AuditProblem(line, AuditProblemKind.SignerMismatch, $"certificate names '{address}' ({role}), not the signed sender"));
        }
        if (!ChainsTo(signer, trustedCa, DateTimeOffset.FromUnixTimeMilliseconds(header.TimestampMilliseconds)))
        {
            problems.Add(new AuditProblem(line, AuditProblemKind.UntrustedSigner, "signer certificate does not chain to the cluster CA"));
        }
        if (!EnvelopeCrypto.Verify(EnvelopeCrypto.PeerKeys.Create(signer), header.SignatureAlgorithm, signed, signature))
        {
            problems.Add(new AuditProblem(line, AuditProblemKind.BadSignature, "signature does not verify over signedBytes"));
            return false;
        }
        if (header.Mode is EnvelopeMode.Room or EnvelopeMode.Peer)
        {
            var plaintext = new byte[Math.Max(0, bodyLength - EnvelopeCrypto.TagLength)];
            if (contentKey.Length != EnvelopeCrypto.KeyLength
                || !EnvelopeCrypto.TryDecryptContent(contentKey, signed.AsSpan(bodyOffset, bodyLength), signed.AsSpan(0, bodyOffset), plaintext)
                || !plaintext.AsSpan().SequenceEqual(payload))
            {
                problems.Add(new AuditProblem(line, AuditProblemKind.PayloadMismatch, "the signed ciphertext does not decrypt to the recorded payload"));
            }
        }
        return true;
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 trustedCa, DateTimeOffset at)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trustedCa);
        // Offline audit: revocation after signing does not undo a signature made while the certificate was good.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at.UtcDateTime;
        return chain.Build(certificate);
    }
}
