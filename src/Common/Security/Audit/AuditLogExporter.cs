using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CleverCloud.Security.Envelope;

namespace CleverCloud.Security.Audit;

/// <summary>The files written for one entry and the openssl command that verifies them.</summary>
public sealed record AuditExport(string DataPath, string SignaturePath, string CertificatePath, string PublicKeyPath, string OpenSslCommand);

/// <summary>
/// Exports one received entry for verification with standard tools: data.bin (the signed bytes), sig.der (the
/// signature: DER ECDSA, or raw RSA-PSS), signer.pem and pubkey.pem. Then, in that directory:
/// <code>openssl dgst -sha256 -verify pubkey.pem -signature sig.der data.bin</code>
/// (for RSA-PSS add <c>-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32</c>), and
/// <code>openssl verify -CAfile ca.pem signer.pem</code> for the certificate.
/// </summary>
public static class AuditLogExporter
{
    /// <param name="index">0-based index of the entry (non-empty line) in the log.</param>
    public static AuditExport ExportEntry(string logPath, int index, string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logPath);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var line = File.ReadLines(logPath).Where(static l => l.Length > 0).ElementAtOrDefault(index)
            ?? throw new ArgumentOutOfRangeException(nameof(index), $"the log has no entry {index}");
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.GetProperty("kind").GetString() != "received")
        {
            throw new ArgumentException($"entry {index} records an execution, not a signed message", nameof(index));
        }
        Directory.CreateDirectory(directory);
        var export = new AuditExport(
            Path.Combine(directory, "data.bin"),
            Path.Combine(directory, "sig.der"),
            Path.Combine(directory, "signer.pem"),
            Path.Combine(directory, "pubkey.pem"),
            root.GetProperty("sigAlg").GetString() == SignatureAlgorithm.RsaPssSha256.ToWire()
                ? "openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -verify pubkey.pem -signature sig.der data.bin"
                : "openssl dgst -sha256 -verify pubkey.pem -signature sig.der data.bin");
        File.WriteAllBytes(export.DataPath, root.GetProperty("signedBytes").GetBytesFromBase64());
        File.WriteAllBytes(export.SignaturePath, root.GetProperty("signature").GetBytesFromBase64());
        using var certificate = X509CertificateLoader.LoadCertificate(root.GetProperty("signerCert").GetBytesFromBase64());
        File.WriteAllText(export.CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(export.PublicKeyPath, PemEncoding.WriteString("PUBLIC KEY", certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        return export;
    }
}
