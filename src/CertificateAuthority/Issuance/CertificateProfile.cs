using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;

namespace CleverCloud.CertificateAuthority.Issuance;

/// <summary>
/// The one profile of entity certificates: CN and SAN id-on-xmppAddr = the bound address, role extension,
/// EKU clientAuth, KU digitalSignature (+ keyEncipherment for RSA keys), SKI/AKI, random serial.
/// </summary>
public static class CertificateProfile
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private static readonly TimeSpan BackdateForClockSkew = TimeSpan.FromMinutes(5);

    public static X509Certificate2 Issue(
        CaCredentials ca, string address, AgentRole role, PublicKey publicKey, bool isRsaKey,
        DateTimeOffset now, TimeSpan validity, string? crlDistributionUrl)
    {
        var request = new CertificateRequest(ScepClient.SubjectFor(address), publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var usage = X509KeyUsageFlags.DigitalSignature | (isRsaKey ? X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.None);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ClientAuthentication)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.CaCertificate, true, false));
        CertificateIdentity.AddTo(request, address, role);
        if (crlDistributionUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlDistributionUrl]));
        }
        var caNotAfter = new DateTimeOffset(ca.CaCertificate.NotAfter.ToUniversalTime());
        var notAfter = now + validity < caNotAfter ? now + validity : caNotAfter;
        return request.Create(ca.CaCertificate.SubjectName, ca.CaSignatureGenerator, now - BackdateForClockSkew, notAfter, CaCredentials.NewSerialNumber());
    }
}
