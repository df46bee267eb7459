using System.Formats.Asn1;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Validation;

/// <summary>The CRL was refused: not DER, not issued or not signed by the cluster CA, or out of date.</summary>
public sealed class CrlRejectedException : Exception
{
    public CrlRejectedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A CRL (RFC 5280 §5) whose signature was verified with the cluster CA's key. .NET builds CRLs
/// (CertificateRevocationListBuilder) but exposes neither their signature check nor their entries, so this reads the
/// DER with System.Formats.Asn1 and checks the signature with the CA certificate's own key: ECDSA or RSA PKCS#1 v1.5
/// over SHA-2, what the cluster CA signs with.
/// </summary>
public sealed class VerifiedCrl
{
    private const string CrlNumberOid = "2.5.29.20";
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";

    private static readonly Asn1Tag ExtensionsTag = new(TagClass.ContextSpecific, 0, isConstructed: true);

    private readonly HashSet<string> revokedSerials;

    private VerifiedCrl(HashSet<string> revokedSerials, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, string number, byte[] der)
    {
        this.revokedSerials = revokedSerials;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        Number = number;
        Der = der;
    }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset NextUpdate { get; }

    /// <summary>The cRLNumber extension as decimal, or "none".</summary>
    public string Number { get; }

    public int RevokedCount => revokedSerials.Count;

    internal byte[] Der { get; }

    /// <summary>Parses <paramref name="der"/> and checks issuer, signature and update times against <paramref name="clusterCa"/>.</summary>
    /// <exception cref="CrlRejectedException">Says which check failed.</exception>
    public static VerifiedCrl Verify(byte[] der, X509Certificate2 clusterCa, DateTimeOffset now, TimeSpan clockSkew)
    {
        ArgumentNullException.ThrowIfNull(der);
        ArgumentNullException.ThrowIfNull(clusterCa);
        ParsedCrl crl;
        try
        {
            crl = Parse(der);
        }
        catch (AsnContentException exception)
        {
            throw new CrlRejectedException($"the CRL is not DER: {exception.Message}", exception);
        }
        if (!crl.Issuer.Span.SequenceEqual(clusterCa.SubjectName.RawData))
        {
            throw new CrlRejectedException($"the CRL is issued by '{DescribeName(crl.Issuer)}', not by the cluster CA '{clusterCa.Subject}'");
        }
        if (!SignatureVerifies(crl, clusterCa))
        {
            throw new CrlRejectedException($"the CRL signature does not verify with the cluster CA's key (algorithm {crl.SignatureAlgorithm})");
        }
        if (crl.NextUpdate is not { } nextUpdate)
        {
            throw new CrlRejectedException("the CRL has no nextUpdate, so its freshness cannot be judged");
        }
        if (crl.ThisUpdate > now + clockSkew)
        {
            throw new CrlRejectedException($"the CRL's thisUpdate {crl.ThisUpdate:u} is in the future");
        }
        if (nextUpdate < now - clockSkew)
        {
            throw new CrlRejectedException($"the CRL expired: its nextUpdate was {nextUpdate:u}");
        }
        return new VerifiedCrl(crl.RevokedSerials, crl.ThisUpdate, nextUpdate, crl.Number, (byte[])der.Clone());
    }

    public bool IsCurrent(DateTimeOffset now, TimeSpan clockSkew) => now - clockSkew <= NextUpdate;

    public bool IsRevoked(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return revokedSerials.Contains(SerialKey(certificate.SerialNumberBytes.Span));
    }

    /// <summary>A serial as the minimal two's-complement bytes of its INTEGER, which is how both a certificate and a CRL entry carry it.</summary>
    private static string SerialKey(ReadOnlySpan<byte> integerContents)
    {
        // Tolerate a non-minimal leading zero in a certificate's serial (DER forbids it, some issuers wrote it).
        while (integerContents.Length > 1 && integerContents[0] == 0 && (integerContents[1] & 0x80) == 0)
        {
            integerContents = integerContents[1..];
        }
        return Convert.ToHexString(integerContents);
    }

    /// <summary>CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING } (RFC 5280 §5.1).</summary>
    private static ParsedCrl Parse(byte[] der)
    {
        var reader = new AsnReader(der, AsnEncodingRules.DER);
        var certificateList = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        var tbsBytes = certificateList.PeekEncodedValue();
        var tbs = certificateList.ReadSequence();
        var signatureAlgorithm = ReadAlgorithm(certificateList);
        var signature = certificateList.ReadBitString(out var unusedBits);
        certificateList.ThrowIfNotEmpty();
        if (unusedBits != 0)
        {
            throw new AsnContentException("the signature is not a whole number of bytes");
        }

        // version is absent in a v1 CRL and must be v2 (1) when present.
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer) && (!tbs.TryReadInt32(out var version) || version != 1))
        {
            throw new AsnContentException("the CRL version is not v2");
        }
        if (ReadAlgorithm(tbs) != signatureAlgorithm)
        {
            throw new AsnContentException("the signature algorithm inside the CRL differs from the one outside it");
        }
        var issuer = tbs.ReadEncodedValue();
        var thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
        var revoked = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = tbs.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                revoked.Add(SerialKey(entry.ReadIntegerBytes().Span));
                ReadTime(entry);
                if (entry.HasData)
                {
                    CheckExtensions(entry.ReadSequence(), out _);
                }
                entry.ThrowIfNotEmpty();
            }
        }
        var number = "none";
        if (tbs.HasData)
        {
            var extensions = tbs.ReadSequence(ExtensionsTag);
            CheckExtensions(extensions.ReadSequence(), out var crlNumber);
            extensions.ThrowIfNotEmpty();
            number = crlNumber?.ToString(CultureInfo.InvariantCulture) ?? number;
        }
        tbs.ThrowIfNotEmpty();
        return new ParsedCrl(tbsBytes, signatureAlgorithm, signature, issuer, thisUpdate, nextUpdate, revoked, number);
    }

    /// <summary>
    /// Reads Extensions; a critical extension this reader does not understand makes the CRL unusable (RFC 5280
    /// §5.2: a CRL with an unrecognised critical extension must not be used to judge revocation).
    /// </summary>
    private static void CheckExtensions(AsnReader extensions, out BigInteger? crlNumber)
    {
        crlNumber = null;
        while (extensions.HasData)
        {
            var extension = extensions.ReadSequence();
            var oid = extension.ReadObjectIdentifier();
            var critical = extension.HasData && extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
            var value = extension.ReadOctetString();
            extension.ThrowIfNotEmpty();
            if (oid == CrlNumberOid)
            {
                var inner = new AsnReader(value, AsnEncodingRules.DER);
                crlNumber = inner.ReadInteger();
                inner.ThrowIfNotEmpty();
            }
            else if (critical && oid != AuthorityKeyIdentifierOid)
            {
                throw new AsnContentException($"unrecognised critical extension {oid}");
            }
        }
    }

    private static string ReadAlgorithm(AsnReader reader)
    {
        var algorithm = reader.ReadSequence();
        var oid = algorithm.ReadObjectIdentifier();
        if (algorithm.HasData)
        {
            algorithm.ReadNull(); // RSA PKCS#1 algorithms carry NULL parameters; ECDSA ones none.
        }
        algorithm.ThrowIfNotEmpty();
        return oid;
    }

    private static bool IsTime(Asn1Tag tag) =>
        tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    private static bool SignatureVerifies(ParsedCrl crl, X509Certificate2 clusterCa)
    {
        var (hash, isEcdsa) = crl.SignatureAlgorithm switch
        {
            "1.2.840.10045.4.3.2" => (HashAlgorithmName.SHA256, true),
            "1.2.840.10045.4.3.3" => (HashAlgorithmName.SHA384, true),
            "1.2.840.10045.4.3.4" => (HashAlgorithmName.SHA512, true),
            "1.2.840.113549.1.1.11" => (HashAlgorithmName.SHA256, false),
            "1.2.840.113549.1.1.12" => (HashAlgorithmName.SHA384, false),
            "1.2.840.113549.1.1.13" => (HashAlgorithmName.SHA512, false),
            _ => (default(HashAlgorithmName), false),
        };
        if (hash == default)
        {
            return false;
        }
        try
        {
            if (isEcdsa)
            {
                using var ecdsa = clusterCa.GetECDsaPublicKey();
                return ecdsa is not null && ecdsa.VerifyData(crl.SignedBytes.Span, crl.Signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }
            using var rsa = clusterCa.GetRSAPublicKey();
            return rsa is not null && rsa.VerifyData(crl.SignedBytes.Span, crl.Signature, hash, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static string DescribeName(ReadOnlyMemory<byte> name)
    {
        try
        {
            return new X500DistinguishedName(name.Span).Name;
        }
        catch (CryptographicException)
        {
            return "(unreadable name)";
        }
    }

    private sealed record ParsedCrl(ReadOnlyMemory<byte> SignedBytes, string SignatureAlgorithm, byte[] Signature, ReadOnlyMemory<byte> Issuer,
        DateTimeOffset ThisUpdate, DateTimeOffset? NextUpdate, HashSet<string> RevokedSerials, string Number);
}
