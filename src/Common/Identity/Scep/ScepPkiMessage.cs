using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Scep;

/// <summary>
/// The outer layer of every SCEP PKIOperation (RFC 8894 §3.2): a CMS SignedData whose signed attributes carry the
/// SCEP fields and whose content is the (encrypted) messageData. Decoding does not check the signature; call
/// <see cref="VerifySignature"/> once the caller knows which signer it accepts.
/// </summary>
/// <remarks>
/// The SignedData is read and written here with System.Formats.Asn1 rather than through SignedCms: SignedCms parses
/// every certificate of the message again on each access (SignerInfo.Certificate, CheckSignature), and on OpenSSL 3.0
/// each X.509 parse costs more than the ECDSA verification itself. Here the signer certificate is parsed once, the
/// signature is checked with its key, and replies are signed directly with the signer key (one signature, no
/// PKCS#8 export).
/// </remarks>
public sealed class ScepPkiMessage
{
    private const string ContentTypeAttribute = "1.2.840.113549.1.9.3";
    private const string MessageDigestAttribute = "1.2.840.113549.1.9.4";
    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string EcdsaWithSha256 = "1.2.840.10045.4.3.2";
    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Context1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag PrimitiveContext0 = new(TagClass.ContextSpecific, 0, isConstructed: false);

    private readonly SignerData? signer;

    public required ScepMessageType MessageType { get; init; }
    public required string TransactionId { get; init; }
    public required byte[] SenderNonce { get; init; }
    public byte[]? RecipientNonce { get; init; }
    public ScepPkiStatus? PkiStatus { get; init; }
    public ScepFailInfo? FailInfo { get; init; }

    /// <summary>The messageData: an EnvelopedData for requests and successful replies, empty otherwise.</summary>
    public byte[] Content { get; init; } = [];

    /// <summary>The certificate that signed the message (found in the SignedData's certificate set).</summary>
    public X509Certificate2? SignerCertificate { get; init; }

    /// <summary>OID of the digest algorithm the signer used.</summary>
    public string? DigestAlgorithm { get; init; }

    private ScepPkiMessage(SignerData signer) => this.signer = signer;

    public ScepPkiMessage()
    {
    }

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(16);

    /// <summary>Signs this message with <paramref name="signerCertificate"/>/<paramref name="signerKey"/> (SHA-256).</summary>
    /// <remarks>
    /// A SignedData v1 with an IssuerAndSerialNumber signer, as SignedCms and OpenSSL write it: RSA signatures are
    /// labelled rsaEncryption (what OpenSSL's PKCS7 code and certmonger expect), ECDSA ones ecdsa-with-SHA256. The
    /// encapsulated content is always present, even when empty (FAILURE and PENDING replies, RFC 8894 §3.3.2):
    /// OpenSSL's PKCS7_verify (certmonger) fails with "no content" when it is absent.
    /// </remarks>
    public byte[] Encode(X509Certificate2 signerCertificate, AsymmetricAlgorithm signerKey, IEnumerable<X509Certificate2>? extraCertificates = null)
    {
        ArgumentNullException.ThrowIfNull(signerCertificate);
        ArgumentNullException.ThrowIfNull(signerKey);
        var attributes = new AsnWriter(AsnEncodingRules.DER);
        using (attributes.PushSetOf())
        {
            WriteAttribute(attributes, ContentTypeAttribute, writer => writer.WriteObjectIdentifier(ScepOids.Data));
            WriteAttribute(attributes, MessageDigestAttribute, writer => writer.WriteOctetString(SHA256.HashData(Content)));
            foreach (var attribute in ScepAttributes())
            {
                WriteAttribute(attributes, attribute.Oid!.Value!, writer => writer.WriteEncodedValue(attribute.RawData));
            }
        }
        // The signature covers the DER SET OF; in the SignerInfo the same bytes carry the [0] IMPLICIT tag.
        var signedAttributes = attributes.Encode();
        byte[] signature;
        string signatureAlgorithm;
        switch (signerKey)
        {
            case ECDsa ecdsa:
                signature = ecdsa.SignData(signedAttributes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
                signatureAlgorithm = EcdsaWithSha256;
                break;
            case RSA rsa:
                signature = rsa.SignData(signedAttributes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                signatureAlgorithm = RsaEncryption;
                break;
            default:
                throw new ArgumentException($"Unsupported signer key {signerKey.GetType().Name}.", nameof(signerKey));
        }
        signedAttributes[0] = 0xA0;

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(ScepOids.SignedData);
            using (writer.PushSequence(Context0))
            using (writer.PushSequence())
            {
                writer.WriteInteger(1);
                using (writer.PushSetOf())
                {
                    WriteDigestAlgorithm(writer);
                }
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(ScepOids.Data);
                    using (writer.PushSequence(Context0))
                    {
                        writer.WriteOctetString(Content);
                    }
                }
                using (writer.PushSetOf(Context0))
                {
                    // A self-signed requester certificate counts as a root: it must be included all the same.
                    writer.WriteEncodedValue(signerCertificate.RawData);
                    foreach (var certificate in extraCertificates ?? [])
                    {
                        writer.WriteEncodedValue(certificate.RawData);
                    }
                }
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteInteger(1);
                    using (writer.PushSequence())
                    {
                        writer.WriteEncodedValue(signerCertificate.IssuerName.RawData);
                        writer.WriteInteger(signerCertificate.SerialNumberBytes.Span);
                    }
                    WriteDigestAlgorithm(writer);
                    writer.WriteEncodedValue(signedAttributes);
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(signatureAlgorithm);
                        if (signatureAlgorithm == RsaEncryption)
                        {
                            writer.WriteNull();
                        }
                    }
                    writer.WriteOctetString(signature);
                }
            }
        }
        return writer.Encode();
    }

    private static void WriteDigestAlgorithm(AsnWriter writer)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(ScepOids.Sha256);
        }
    }

    private static void WriteAttribute(AsnWriter writer, string oid, Action<AsnWriter> writeValue)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(oid);
            using (writer.PushSetOf())
            {
                writeValue(writer);
            }
        }
    }

    private List<AsnEncodedData> ScepAttributes()
    {
        var attributes = new List<AsnEncodedData>();
        attributes.Add(PrintableAttribute(ScepOids.MessageType, ((int)MessageType).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        attributes.Add(PrintableAttribute(ScepOids.TransactionId, TransactionId));
        attributes.Add(OctetAttribute(ScepOids.SenderNonce, SenderNonce));
        if (RecipientNonce is not null)
        {
            attributes.Add(OctetAttribute(ScepOids.RecipientNonce, RecipientNonce));
        }
        if (PkiStatus is { } status)
        {
            attributes.Add(PrintableAttribute(ScepOids.PkiStatus, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        if (FailInfo is { } failInfo)
        {
            attributes.Add(PrintableAttribute(ScepOids.FailInfo, ((int)failInfo).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return attributes;
    }

    /// <summary>Parses a pkiMessage without trusting it.</summary>
    /// <exception cref="ScepFormatException">Not a single-signer SignedData with the mandatory SCEP attributes.</exception>
    public static ScepPkiMessage Decode(ReadOnlySpan<byte> encoded)
    {
        SignerData parsed;
        byte[] content;
        try
        {
            (parsed, content) = ReadSignedData(encoded.ToArray());
        }
        catch (Exception exception) when (exception is AsnContentException or CryptographicException)
        {
            throw new ScepFormatException("The pkiMessage is not a parsable CMS SignedData.", exception);
        }
        X509Certificate2? signerCertificate;
        try
        {
            // Parsed once here: the receiver needs its key to verify, and the CA its subject and key for the reply.
            signerCertificate = parsed.SignerCertificateDer is { } der ? X509CertificateLoader.LoadCertificate(der) : null;
        }
        catch (CryptographicException exception)
        {
            throw new ScepFormatException("The pkiMessage's signer certificate is not parsable.", exception);
        }
        try
        {
            var messageTypeText = ReadAttributeString(parsed.Attributes, ScepOids.MessageType)
                ?? throw new ScepFormatException("The pkiMessage has no messageType attribute.");
            if (!int.TryParse(messageTypeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var messageType)
                || !Enum.IsDefined((ScepMessageType)messageType))
            {
                throw new ScepFormatException($"The pkiMessage has an unknown messageType '{messageTypeText}'.");
            }
            var transactionId = ReadAttributeString(parsed.Attributes, ScepOids.TransactionId)
                ?? throw new ScepFormatException("The pkiMessage has no transactionID attribute.");
            var senderNonce = ReadAttributeOctets(parsed.Attributes, ScepOids.SenderNonce) ?? [];
            var statusText = ReadAttributeString(parsed.Attributes, ScepOids.PkiStatus);
            var failText = ReadAttributeString(parsed.Attributes, ScepOids.FailInfo);
            return new ScepPkiMessage(parsed)
            {
                MessageType = (ScepMessageType)messageType,
                TransactionId = transactionId,
                SenderNonce = senderNonce,
                RecipientNonce = ReadAttributeOctets(parsed.Attributes, ScepOids.RecipientNonce),
                PkiStatus = statusText is null ? null : (ScepPkiStatus)ParseSmallNumber(statusText, "pkiStatus"),
                FailInfo = failText is null ? null : (ScepFailInfo)ParseSmallNumber(failText, "failInfo"),
                Content = content,
                SignerCertificate = signerCertificate,
                DigestAlgorithm = parsed.DigestAlgorithm,
            };
        }
        catch (AsnContentException exception)
        {
            throw new ScepFormatException("A SCEP attribute of the pkiMessage is malformed.", exception);
        }
    }

    /// <summary>
    /// Checks the CMS signature with the embedded signer certificate (or <paramref name="expectedSigner"/> when
    /// given: then a message signed by any other key fails). Digests weaker than SHA-256 are refused as badAlg.
    /// </summary>
    /// <exception cref="ScepMessageException">badAlg or badMessageCheck.</exception>
    public void VerifySignature(X509Certificate2? expectedSigner = null)
    {
        if (signer is null)
        {
            throw new InvalidOperationException("Only a decoded message can be verified.");
        }
        var hash = DigestAlgorithm switch
        {
            ScepOids.Sha256 => HashAlgorithmName.SHA256,
            ScepOids.Sha384 => HashAlgorithmName.SHA384,
            ScepOids.Sha512 => HashAlgorithmName.SHA512,
            _ => throw new ScepMessageException(ScepFailInfo.BadAlg, $"Digest algorithm {DigestAlgorithm} is not accepted (SHA-256/384/512 only)."),
        };
        var signatureAlgorithm = signer.SignatureAlgorithm;
        if (!AcceptedSignatureAlgorithms.Contains(signatureAlgorithm))
        {
            throw new ScepMessageException(ScepFailInfo.BadAlg, $"Signature algorithm {signatureAlgorithm} is not accepted (RSA PKCS#1 v1.5 or ECDSA).");
        }
        if (SignerCertificate is null)
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage does not include its signer's certificate.");
        }
        if (expectedSigner is not null && !SignerCertificate.RawData.AsSpan().SequenceEqual(expectedSigner.RawData))
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage was not signed by the expected certificate.");
        }
        var verifyingCertificate = expectedSigner ?? SignerCertificate;
        if (signer.SignedAttributes is null)
        {
            // SCEP's fields are signed attributes: a SignerInfo without them cannot be a pkiMessage we act on.
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage has no signed attributes.");
        }
        if (SignatureHash(signatureAlgorithm) is { } signatureHash && signatureHash != hash)
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, $"Signature algorithm {signatureAlgorithm} does not match digest {DigestAlgorithm}.");
        }
        try
        {
            // RFC 5652 §5.3: with signed attributes, content-type must name the encapsulated content type (id-data
            // for every SCEP message), so a signature over one content cannot be replayed as another kind.
            var contentType = FindAttributeValue(signer.Attributes, ContentTypeAttribute);
            if (signer.ContentType != ScepOids.Data || contentType is null
                || new AsnReader(contentType, AsnEncodingRules.BER).ReadObjectIdentifier() != ScepOids.Data)
            {
                throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage's content-type attribute does not name id-data.");
            }
            var digest = ReadAttributeOctets(signer.Attributes, MessageDigestAttribute);
            Span<byte> computed = stackalloc byte[64];
            var length = CryptographicOperations.HashData(hash, Content, computed);
            if (digest is null || !CryptographicOperations.FixedTimeEquals(digest, computed[..length]))
            {
                throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage signature does not verify: the messageDigest attribute does not match the content.");
            }
            // CMS signs the DER SET OF the attributes, i.e. the received [0] IMPLICIT bytes with the SET tag.
            var signedBytes = (byte[])signer.SignedAttributes.Clone();
            signedBytes[0] = 0x31;
            bool valid;
            if (signatureAlgorithm is EcdsaWithSha256 or "1.2.840.10045.4.3.3" or "1.2.840.10045.4.3.4" or "1.2.840.10045.2.1")
            {
                using var ecdsa = verifyingCertificate.GetECDsaPublicKey()
                    ?? throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage signature does not verify: an ECDSA signature from a non-EC key.");
                valid = ecdsa.VerifyData(signedBytes, signer.Signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }
            else
            {
                using var rsa = verifyingCertificate.GetRSAPublicKey()
                    ?? throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage signature does not verify: an RSA signature from a non-RSA key.");
                valid = rsa.VerifyData(signedBytes, signer.Signature, hash, RSASignaturePadding.Pkcs1);
            }
            if (!valid)
            {
                throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage signature does not verify.");
            }
        }
        catch (Exception exception) when (exception is CryptographicException or AsnContentException)
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, $"The pkiMessage signature does not verify: {exception.Message}", exception);
        }
    }

    /// <summary>The hash a signature algorithm names itself (null for rsaEncryption and ecPublicKey, which take the digest's).</summary>
    private static HashAlgorithmName? SignatureHash(string signatureAlgorithm) => signatureAlgorithm switch
    {
        "1.2.840.113549.1.1.11" or EcdsaWithSha256 => HashAlgorithmName.SHA256,
        "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
        "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>Reads ContentInfo → SignedData (RFC 5652 §5) with one SignerInfo; BER accepted, as senders vary.</summary>
    private static (SignerData Signer, byte[] Content) ReadSignedData(byte[] encoded)
    {
        var outer = new AsnReader(encoded, AsnEncodingRules.BER);
        var contentInfo = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        if (contentInfo.ReadObjectIdentifier() != ScepOids.SignedData)
        {
            throw new ScepFormatException("The pkiMessage is not a CMS SignedData.");
        }
        var signedData = contentInfo.ReadSequence(Context0).ReadSequence();
        signedData.ReadInteger();
        signedData.ReadSetOf(skipSortOrderValidation: true);
        var encapsulated = signedData.ReadSequence();
        var contentType = encapsulated.ReadObjectIdentifier();
        byte[] content = [];
        if (encapsulated.HasData)
        {
            content = encapsulated.ReadSequence(Context0).ReadOctetString();
        }
        var certificates = new List<ReadOnlyMemory<byte>>();
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Context0))
        {
            var set = signedData.ReadSetOf(true, Context0);
            while (set.HasData)
            {
                certificates.Add(set.ReadEncodedValue());
            }
        }
        if (signedData.HasData && signedData.PeekTag().HasSameClassAndValue(Context1))
        {
            signedData.ReadEncodedValue();
        }
        var signerInfos = signedData.ReadSetOf(skipSortOrderValidation: true);
        var signerInfoList = new List<AsnReader>();
        while (signerInfos.HasData)
        {
            signerInfoList.Add(signerInfos.ReadSequence());
        }
        if (signerInfoList.Count != 1)
        {
            throw new ScepFormatException($"The pkiMessage has {signerInfoList.Count} signers; SCEP needs exactly one.");
        }
        var signerInfo = signerInfoList[0];
        signerInfo.ReadInteger();
        var signerId = signerInfo.ReadEncodedValue();
        var digestAlgorithm = signerInfo.ReadSequence().ReadObjectIdentifier();
        byte[]? signedAttributes = null;
        var attributes = new List<(string Oid, ReadOnlyMemory<byte> FirstValue)>();
        if (signerInfo.PeekTag().HasSameClassAndValue(Context0))
        {
            var raw = signerInfo.ReadEncodedValue();
            signedAttributes = raw.ToArray();
            var set = new AsnReader(raw, AsnEncodingRules.BER).ReadSetOf(true, Context0);
            while (set.HasData)
            {
                var attribute = set.ReadSequence();
                var oid = attribute.ReadObjectIdentifier();
                var values = attribute.ReadSetOf(skipSortOrderValidation: true);
                if (values.HasData)
                {
                    attributes.Add((oid, values.ReadEncodedValue()));
                }
            }
        }
        var signatureAlgorithm = signerInfo.ReadSequence().ReadObjectIdentifier();
        var signature = signerInfo.ReadOctetString();
        var signerCertificate = certificates.FirstOrDefault(certificate => Identifies(signerId.Span, certificate.Span));
        return (new SignerData(contentType, digestAlgorithm, signatureAlgorithm, signedAttributes, attributes, signature,
            signerCertificate.IsEmpty ? null : signerCertificate.ToArray()), content);
    }

    /// <summary>True when the SignerIdentifier (IssuerAndSerialNumber or [0] subjectKeyIdentifier) names the certificate.</summary>
    private static bool Identifies(ReadOnlySpan<byte> signerId, ReadOnlySpan<byte> certificate)
    {
        try
        {
            var tbs = new AsnReader(certificate.ToArray(), AsnEncodingRules.BER).ReadSequence().ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(Context0))
            {
                tbs.ReadEncodedValue();
            }
            var serial = tbs.ReadIntegerBytes();
            tbs.ReadEncodedValue();
            var issuer = tbs.ReadEncodedValue();
            var identifier = new AsnReader(signerId.ToArray(), AsnEncodingRules.BER);
            if (identifier.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var issuerAndSerial = identifier.ReadSequence();
                return issuerAndSerial.ReadEncodedValue().Span.SequenceEqual(issuer.Span)
                    && issuerAndSerial.ReadIntegerBytes().Span.SequenceEqual(serial.Span);
            }
            var keyId = identifier.ReadOctetString(PrimitiveContext0);
            using var parsed = X509CertificateLoader.LoadCertificate(certificate);
            var extension = parsed.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
            return extension is not null && extension.SubjectKeyIdentifierBytes.Span.SequenceEqual(keyId);
        }
        catch (Exception exception) when (exception is AsnContentException or CryptographicException)
        {
            return false;
        }
    }

    /// <summary>What the single SignerInfo holds; attributes keep their first value's encoding.</summary>
    private sealed record SignerData(
        string ContentType, string DigestAlgorithm, string SignatureAlgorithm, byte[]? SignedAttributes,
        IReadOnlyList<(string Oid, ReadOnlyMemory<byte> FirstValue)> Attributes, byte[] Signature, byte[]? SignerCertificateDer);

    // rsaEncryption (what OpenSSL/certmonger write), sha{256,384,512}WithRSAEncryption, ecdsa-with-SHA{256,384,512}.
    private static readonly HashSet<string> AcceptedSignatureAlgorithms =
    [
        "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13",
        "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4", "1.2.840.10045.2.1",
    ];

    private static int ParseSmallNumber(string text, string field) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ScepFormatException($"The pkiMessage has a non-numeric {field} '{text}'.");

    private static AsnEncodedData PrintableAttribute(string oid, string value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.PrintableString, value);
        return new AsnEncodedData(oid, writer.Encode());
    }

    private static AsnEncodedData OctetAttribute(string oid, byte[] value)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteOctetString(value);
        return new AsnEncodedData(oid, writer.Encode());
    }

    private static readonly UniversalTagNumber[] StringTags =
    [
        UniversalTagNumber.PrintableString, UniversalTagNumber.UTF8String, UniversalTagNumber.IA5String,
        UniversalTagNumber.VisibleString, UniversalTagNumber.T61String, UniversalTagNumber.BMPString,
    ];

    private static byte[]? FindAttributeValue(IReadOnlyList<(string Oid, ReadOnlyMemory<byte> FirstValue)> attributes, string oid)
    {
        foreach (var (attributeOid, value) in attributes)
        {
            if (attributeOid == oid)
            {
                return value.ToArray();
            }
        }
        return null;
    }

    private static string? ReadAttributeString(IReadOnlyList<(string Oid, ReadOnlyMemory<byte> FirstValue)> attributes, string oid)
    {
        var raw = FindAttributeValue(attributes, oid);
        if (raw is null)
        {
            return null;
        }
        var reader = new AsnReader(raw, AsnEncodingRules.BER);
        var tag = reader.PeekTag();
        // Senders differ: the RFC says PrintableString, some clients write UTF8String or IA5String.
        return tag.TagClass == TagClass.Universal && StringTags.Contains((UniversalTagNumber)tag.TagValue)
            ? reader.ReadCharacterString((UniversalTagNumber)tag.TagValue)
            : throw new ScepFormatException($"SCEP attribute {oid} is not a string.");
    }

    private static byte[]? ReadAttributeOctets(IReadOnlyList<(string Oid, ReadOnlyMemory<byte> FirstValue)> attributes, string oid)
    {
        var raw = FindAttributeValue(attributes, oid);
        return raw is null ? null : new AsnReader(raw, AsnEncodingRules.BER).ReadOctetString();
    }
}
