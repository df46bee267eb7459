using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Identity.Validation;

/// <summary>
/// Decides whether a certificate speaks for an XMPP address: it chains to the cluster CA alone (no system roots),
/// is inside its validity period, is not on the CRL, carries the address in its id-on-xmppAddr SAN and a role.
/// Needs no directory: also used for the agent's own certificate and for certificates received in-band.
/// </summary>
public sealed class CertificateValidator
{
    private readonly X509Certificate2 clusterCa;
    private readonly TimeProvider timeProvider;
    private readonly TimeSpan clockSkew;

    public CertificateValidator(X509Certificate2 clusterCa, TimeProvider? timeProvider = null, TimeSpan? clockSkew = null)
    {
        ArgumentNullException.ThrowIfNull(clusterCa);
        // Keep our own copy without private key: the caller may dispose theirs.
        this.clusterCa = X509CertificateLoader.LoadCertificate(clusterCa.RawData);
        this.timeProvider = timeProvider ?? TimeProvider.System;
        this.clockSkew = clockSkew ?? TimeSpan.FromMinutes(2);
    }

    public X509Certificate2 ClusterCa => clusterCa;

    public TimeProvider TimeProvider => timeProvider;

    /// <summary>Loads the trust anchor from a PEM or DER file.</summary>
    /// <exception cref="CryptographicException">The file holds no certificate.</exception>
    public static X509Certificate2 LoadCaCertificate(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = File.ReadAllBytes(path);
        return bytes.Length > 0 && bytes[0] == 0x30
            ? X509CertificateLoader.LoadCertificate(bytes)
            : X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(bytes));
    }

    /// <summary>Validates without revocation information (e.g. the agent's own certificate).</summary>
    public PeerCertificateResult Validate(X509Certificate2 certificate, string expectedJid) => Validate(certificate, expectedJid, crl: null);

    /// <summary>Validates, and when <paramref name="crl"/> is given, checks revocation against it.</summary>
    public PeerCertificateResult Validate(X509Certificate2 certificate, string expectedJid, VerifiedCrl? crl)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentException.ThrowIfNullOrWhiteSpace(expectedJid);
        var now = timeProvider.GetUtcNow();

        // Trust first: nothing a certificate says (address, role) means anything before its issuer is established.
        var chainProblem = CheckChain(certificate);
        if (chainProblem is not null)
        {
            return PeerCertificateResult.Rejected(PeerCertificateStatus.Untrusted, chainProblem);
        }
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        if (now + clockSkew < notBefore)
        {
            // The contract has no "not yet valid" status: outside the validity period either way.
            return PeerCertificateResult.Rejected(PeerCertificateStatus.Expired, $"the certificate is not valid yet (valid from {notBefore:u})");
        }
        if (now - clockSkew > notAfter)
        {
            return PeerCertificateResult.Rejected(PeerCertificateStatus.Expired, $"the certificate expired on {notAfter:u}");
        }
        if (now - clockSkew > clusterCa.NotAfter.ToUniversalTime())
        {
            return PeerCertificateResult.Rejected(PeerCertificateStatus.Expired, $"the cluster CA certificate expired on {clusterCa.NotAfter.ToUniversalTime():u}");
        }
        if (crl is not null && crl.IsRevoked(certificate))
        {
            return PeerCertificateResult.Rejected(PeerCertificateStatus.Revoked, $"serial {certificate.SerialNumber} is on the CRL number {crl.Number}");
        }
        var (address, role) = CertificateIdentity.Read(certificate);
        if (address is null)
        {
            return PeerCertificateResult.Rejected(PeerCertificateStatus.AddressMismatch, "the certificate has no (single) id-on-xmppAddr subjectAltName");
        }
        if (!string.Equals(address, expectedJid, StringComparison.OrdinalIgnoreCase))
        {
            return PeerCertificateResult.Rejected(PeerCertificateStatus.AddressMismatch, $"the certificate is for '{address}', not '{expectedJid}'");
        }
        if (role is null)
        {
            return PeerCertificateResult.Rejected(PeerCertificateStatus.Untrusted, "the certificate carries no CleverCloud role extension");
        }
        return PeerCertificateResult.Valid(certificate, role.Value);
    }

    private string? CheckChain(X509Certificate2 certificate)
    {
        if (certificate.RawData.AsSpan().SequenceEqual(clusterCa.RawData))
        {
            return "the CA certificate itself is not an agent certificate";
        }
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is { CertificateAuthority: true })
        {
            return "the certificate is a CA certificate, not an agent certificate";
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
        // Revocation is checked against the directory's CRL by the caller; validity periods are checked above with
        // a clock-skew allowance and a precise status; nothing may be fetched from the network.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid | X509VerificationFlags.IgnoreCtlNotTimeValid;
        chain.ChainPolicy.VerificationTime = timeProvider.GetUtcNow().UtcDateTime;
        if (!chain.Build(certificate))
        {
            var statuses = chain.ChainStatus.Select(status => status.Status.ToString()).Distinct();
            return $"the certificate does not chain to the cluster CA '{clusterCa.Subject}' ({string.Join(", ", statuses)})";
        }
        var root = chain.ChainElements[^1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(clusterCa.RawData)
            ? null
            : $"the chain ends at '{root.Subject}', not at the cluster CA";
    }
}
