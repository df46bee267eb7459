using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Identity.Tests.Support;

/// <summary>
/// A throw-away cluster CA made with .NET's CertificateRequest: issues agent certificates carrying the id-on-xmppAddr
/// SAN and the role extension, and CRLs built with CertificateRevocationListBuilder.
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly ECDsa caKey;
    private BigInteger crlNumber = 1;

    public TestPki(string name = "CleverCloud Test CA")
    {
        caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Certificate = request.CreateSelfSigned(now.AddDays(-30), now.AddYears(5));
    }

    /// <summary>The CA certificate with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate without key, as agents hold it (trust anchor file).</summary>
    public X509Certificate2 PublicCertificate => X509CertificateLoader.LoadCertificate(Certificate.RawData);

    public X509Certificate2 Issue(string xmppAddress, AgentRole? role = AgentRole.HostManager, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, AsymmetricAlgorithm? key = null)
    {
        var subjectKey = key ?? ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var names = new X500DistinguishedNameBuilder();
        names.AddCommonName(xmppAddress);
        var subject = names.Build();
        var request = subjectKey switch
        {
            ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new ArgumentException("unsupported key", nameof(key)),
        };
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(XmppAddressName.CreateSubjectAltName(xmppAddress));
        if (role is { } agentRole)
        {
            request.CertificateExtensions.Add(AgentRoleExtension.Create(agentRole));
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        // The generator overload signs with the CA's EC key whatever the subject key type is (RSA agents too).
        using var issued = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), notBefore ?? now.AddMinutes(-5), notAfter ?? now.AddDays(30), serial);
        return subjectKey switch
        {
            ECDsa ecdsa => issued.CopyWithPrivateKey(ecdsa),
            RSA rsa => issued.CopyWithPrivateKey(rsa),
            _ => throw new ArgumentException("unsupported key", nameof(key)),
        };
    }

    /// <summary>A DER CRL signed by this CA listing the given certificates as revoked.</summary>
    public byte[] CreateCrl(IEnumerable<X509Certificate2> revoked, DateTimeOffset? thisUpdate = null, DateTimeOffset? nextUpdate = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, DateTimeOffset.UtcNow.AddMinutes(-1), X509RevocationReason.KeyCompromise);
        }
        var number = crlNumber;
        crlNumber += 1;
        return builder.Build(Certificate, number, nextUpdate ?? DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256, thisUpdate: thisUpdate ?? DateTimeOffset.UtcNow.AddMinutes(-1));
    }

    /// <summary>
    /// An empty CRL carrying one extra CRL extension, written by hand (CertificateRevocationListBuilder takes no
    /// arbitrary extensions) and signed by this CA.
    /// </summary>
    public byte[] CreateCrlWithExtension(string oid, bool critical)
    {
        var tbs = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (tbs.PushSequence())
        {
            tbs.WriteInteger(1);
            using (tbs.PushSequence())
            {
                tbs.WriteObjectIdentifier("1.2.840.10045.4.3.2");
            }
            tbs.WriteEncodedValue(Certificate.SubjectName.RawData);
            tbs.WriteUtcTime(DateTimeOffset.UtcNow.AddMinutes(-1));
            tbs.WriteUtcTime(DateTimeOffset.UtcNow.AddDays(1));
            using (tbs.PushSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0, isConstructed: true)))
            using (tbs.PushSequence())
            using (tbs.PushSequence())
            {
                tbs.WriteObjectIdentifier(oid);
                if (critical)
                {
                    tbs.WriteBoolean(true);
                }
                tbs.WriteOctetString([0x05, 0x00]);
            }
        }
        var tbsBytes = tbs.Encode();
        var crl = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (crl.PushSequence())
        {
            crl.WriteEncodedValue(tbsBytes);
            using (crl.PushSequence())
            {
                crl.WriteObjectIdentifier("1.2.840.10045.4.3.2");
            }
            crl.WriteBitString(caKey.SignData(tbsBytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        }
        return crl.Encode();
    }

    public void Dispose()
    {
        Certificate.Dispose();
        caKey.Dispose();
    }
}
