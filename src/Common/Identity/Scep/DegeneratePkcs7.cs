using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Scep;

/// <summary>
/// "Certs-only" PKCS#7: a SignedData with no content and no signers, carrying certificates and/or CRLs
/// (RFC 8894 §3.4). Written by hand because SignedCms cannot carry CRLs.
/// </summary>
public static class DegeneratePkcs7
{
    // SignedData version 1: only plain X.509 certificates and CRLs, no attribute certificates (RFC 5652 §5.1).
    private const int SignedDataVersion = 1;
    private static readonly Asn1Tag ExplicitContent = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag CertificatesTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag CrlsTag = new(TagClass.ContextSpecific, 1, isConstructed: true);

    public static byte[] Encode(IEnumerable<X509Certificate2> certificates, IEnumerable<byte[]>? crls = null)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(ScepOids.SignedData);
            using (writer.PushSequence(ExplicitContent))
            using (writer.PushSequence())
            {
                writer.WriteInteger(SignedDataVersion);
                using (writer.PushSetOf())
                {
                }
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(ScepOids.Data);
                }
                var certificateList = certificates.ToList();
                if (certificateList.Count > 0)
                {
                    using (writer.PushSetOf(CertificatesTag))
                    {
                        foreach (var certificate in certificateList)
                        {
                            writer.WriteEncodedValue(certificate.RawData);
                        }
                    }
                }
                var crlList = crls?.ToList() ?? [];
                if (crlList.Count > 0)
                {
                    using (writer.PushSetOf(CrlsTag))
                    {
                        foreach (var crl in crlList)
                        {
                            writer.WriteEncodedValue(crl);
                        }
                    }
                }
                using (writer.PushSetOf())
                {
                }
            }
        }
        return writer.Encode();
    }

    /// <summary>Reads the certificates and CRLs of a certs-only SignedData.</summary>
    /// <exception cref="ScepFormatException">The bytes are not a SignedData.</exception>
    public static (X509Certificate2Collection Certificates, IReadOnlyList<byte[]> Crls) Decode(ReadOnlyMemory<byte> encoded)
    {
        try
        {
            var reader = new AsnReader(encoded, AsnEncodingRules.BER);
            var contentInfo = reader.ReadSequence();
            if (contentInfo.ReadObjectIdentifier() != ScepOids.SignedData)
            {
                throw new ScepFormatException("The PKCS#7 content is not SignedData.");
            }
            var signedData = contentInfo.ReadSequence(ExplicitContent).ReadSequence();
            signedData.ReadInteger();
            signedData.ReadSetOf();
            signedData.ReadSequence();
            var certificates = new X509Certificate2Collection();
            var crls = new List<byte[]>();
            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(CertificatesTag))
            {
                var set = signedData.ReadSetOf(true, CertificatesTag);
                while (set.HasData)
                {
                    certificates.Add(X509CertificateLoader.LoadCertificate(set.ReadEncodedValue().Span));
                }
            }
            if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(CrlsTag))
            {
                var set = signedData.ReadSetOf(true, CrlsTag);
                while (set.HasData)
                {
                    crls.Add(set.ReadEncodedValue().ToArray());
                }
            }
            return (certificates, crls);
        }
        catch (Exception exception) when (exception is AsnContentException or CryptographicException)
        {
            throw new ScepFormatException("The certs-only PKCS#7 is malformed.", exception);
        }
    }
}
