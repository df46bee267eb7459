using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Security.Tests.Support;

public enum KeyKind
{
    EcP256,
    Rsa2048,
}

/// <summary>A throw-away cluster CA issuing agent certificates (xmppAddr SAN + role extension) as the real CA does.</summary>
public sealed class TestPki : IDisposable
{
    private readonly ECDsa _caKey;
    private long _serial = 1;

    public TestPki(string name = "CleverCloud Test CA")
    {
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Certificate = request.CreateSelfSigned(now.AddDays(-30), now.AddYears(5));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>Issues a leaf with private key. Role text is written verbatim, so tests can also write odd roles.</summary>
    public X509Certificate2 Issue(string bareJid, string roleText, KeyKind kind = KeyKind.EcP256,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        var now = DateTimeOffset.UtcNow;
        var serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial));
        if (kind == KeyKind.EcP256)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={bareJid}", key, HashAlgorithmName.SHA256);
            AddExtensions(request, bareJid, roleText);
            using var issued = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey),
                notBefore ?? now.AddDays(-1), notAfter ?? now.AddYears(1), serial);
            return issued.CopyWithPrivateKey(key);
        }
        using var rsa = RSA.Create(2048);
        var rsaRequest = new CertificateRequest($"CN={bareJid}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        AddExtensions(rsaRequest, bareJid, roleText);
        using var rsaIssued = rsaRequest.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey),
            notBefore ?? now.AddDays(-1), notAfter ?? now.AddYears(1), serial);
        return rsaIssued.CopyWithPrivateKey(rsa);
    }

    public X509Certificate2 Issue(string bareJid, AgentRole role, KeyKind kind = KeyKind.EcP256) => Issue(bareJid, role.ToWire(), kind);

    /// <summary>The id-on-xmppAddr otherName (RFC 6120 §13.7.1.4) and the role UTF8String, written here independently.</summary>
    private static void AddExtensions(CertificateRequest request, string bareJid, string roleText)
    {
        var san = new AsnWriter(AsnEncodingRules.DER);
        using (san.PushSequence())
        {
            using (san.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
            {
                san.WriteObjectIdentifier(CleverOids.XmppAddr);
                using (san.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                {
                    san.WriteCharacterString(UniversalTagNumber.UTF8String, bareJid);
                }
            }
        }
        request.CertificateExtensions.Add(new X509Extension("2.5.29.17", san.Encode(), critical: false));
        var role = new AsnWriter(AsnEncodingRules.DER);
        role.WriteCharacterString(UniversalTagNumber.UTF8String, roleText);
        request.CertificateExtensions.Add(new X509Extension(CleverOids.AgentRoleExtension, role.Encode(), critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement | X509KeyUsageFlags.KeyEncipherment, false));
    }

    public void Dispose()
    {
        _caKey.Dispose();
        Certificate.Dispose();
    }
}
