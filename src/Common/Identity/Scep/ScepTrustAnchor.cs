using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Scep;

/// <summary>
/// The configured first-start trust in the CA: either its certificate (from a trusted file) or the SHA-256
/// fingerprint of its DER encoding. The certificates GetCACert returns are accepted only through this pin.
/// </summary>
public sealed class ScepTrustAnchor
{
    private readonly byte[] sha256Fingerprint;

    private ScepTrustAnchor(byte[] sha256Fingerprint) => this.sha256Fingerprint = sha256Fingerprint;

    /// <summary>Hex SHA-256 fingerprint of the CA certificate; colons and spaces are ignored.</summary>
    public static ScepTrustAnchor FromSha256Fingerprint(string fingerprint)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var hex = fingerprint.Replace(":", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        var bytes = Convert.FromHexString(hex);
        return bytes.Length == SHA256.HashSizeInBytes
            ? new ScepTrustAnchor(bytes)
            : throw new ArgumentException("A SHA-256 fingerprint has 32 bytes (64 hex digits).", nameof(fingerprint));
    }

    public static ScepTrustAnchor FromCertificate(X509Certificate2 caCertificate)
    {
        ArgumentNullException.ThrowIfNull(caCertificate);
        return new ScepTrustAnchor(SHA256.HashData(caCertificate.RawData));
    }

    public static string FingerprintOf(X509Certificate2 certificate) =>
        Convert.ToHexString(SHA256.HashData(certificate.RawData));

    public bool Matches(X509Certificate2 certificate) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.RawData), sha256Fingerprint);
}
