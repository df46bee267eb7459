using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Scep;

/// <summary>
/// The outer layer of every SCEP PKIOperation (RFC 8894 §3.2): a CMS SignedData whose signed attributes carry the
/// SCEP fields and whose content is the (encrypted) messageData. Decoding does not check the signature; call
/// <see cref="VerifySignature"/> once the caller knows which signer it accepts.
/// </summary>
public sealed class ScepPkiMessage
{
    private readonly SignedCms? signedCms;

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

    private ScepPkiMessage(SignedCms? signedCms) => this.signedCms = signedCms;

    public ScepPkiMessage()
    {
    }

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(16);

    /// <summary>Signs this message with <paramref name="signerCertificate"/>/<paramref name="signerKey"/> (SHA-256).</summary>
    public byte[] Encode(X509Certificate2 signerCertificate, AsymmetricAlgorithm signerKey, IEnumerable<X509Certificate2>? extraCertificates = null)
    {
        ArgumentNullException.ThrowIfNull(signerCertificate);
        ArgumentNullException.ThrowIfNull(signerKey);
        if (Content.Length == 0)
        {
            return EncodeWithoutContent(signerCertificate, signerKey);
        }
        var cms = new SignedCms(new ContentInfo(new Oid(ScepOids.Data), Content), detached: false);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, signerCertificate, signerKey)
        {
            DigestAlgorithm = new Oid(ScepOids.Sha256),
            // A self-signed requester certificate counts as a root: ExcludeRoot would leave the verifier without it.
            IncludeOption = X509IncludeOption.EndCertOnly,
        };
        foreach (var attribute in ScepAttributes())
        {
            signer.SignedAttributes.Add(attribute);
        }
        if (extraCertificates is not null)
        {
            foreach (var certificate in extraCertificates)
            {
                cms.AddCertificate(certificate);
            }
        }
        cms.ComputeSignature(signer, silent: true);
        return cms.Encode();
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

    /// <summary>
    /// FAILURE and PENDING replies carry no messageData (RFC 8894 §3.3.2). SignedCms refuses to sign empty content,
    /// so this one case is built with BouncyCastle: a SignedData whose encapsulated content is empty.
    /// </summary>
    private byte[] EncodeWithoutContent(X509Certificate2 signerCertificate, AsymmetricAlgorithm signerKey)
    {
        var pkcs8 = signerKey switch
        {
            ECDsa ecdsa => ecdsa.ExportPkcs8PrivateKey(),
            RSA rsa => rsa.ExportPkcs8PrivateKey(),
            _ => throw new ArgumentException($"Unsupported signer key {signerKey.GetType().Name}.", nameof(signerKey)),
        };
        var signedAttributes = new Org.BouncyCastle.Asn1.Asn1EncodableVector();
        foreach (var attribute in ScepAttributes())
        {
            signedAttributes.Add(new Org.BouncyCastle.Asn1.Cms.Attribute(
                new Org.BouncyCastle.Asn1.DerObjectIdentifier(attribute.Oid!.Value!),
                new Org.BouncyCastle.Asn1.DerSet(Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(attribute.RawData))));
        }
        var generator = new Org.BouncyCastle.Cms.CmsSignedDataGenerator();
        generator.AddSigner(
            Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(pkcs8),
            new Org.BouncyCastle.X509.X509Certificate(signerCertificate.RawData),
            Org.BouncyCastle.Cms.CmsSignedGenerator.DigestSha256,
            new Org.BouncyCastle.Asn1.Cms.AttributeTable(signedAttributes),
            null);
        generator.AddCertificate(new Org.BouncyCastle.X509.X509Certificate(signerCertificate.RawData));
        // An empty but present eContent: OpenSSL's PKCS7_verify (certmonger) fails with "no content" when it is absent.
        return generator.Generate(new Org.BouncyCastle.Cms.CmsProcessableByteArray([]), encapsulate: true).GetEncoded();
    }

    /// <summary>Parses a pkiMessage without trusting it.</summary>
    /// <exception cref="ScepFormatException">Not a single-signer SignedData with the mandatory SCEP attributes.</exception>
    public static ScepPkiMessage Decode(ReadOnlySpan<byte> encoded)
    {
        var cms = new SignedCms();
        try
        {
            cms.Decode(encoded);
        }
        catch (CryptographicException exception)
        {
            throw new ScepFormatException("The pkiMessage is not a parsable CMS SignedData.", exception);
        }
        if (cms.SignerInfos.Count != 1)
        {
            throw new ScepFormatException($"The pkiMessage has {cms.SignerInfos.Count} signers; SCEP needs exactly one.");
        }
        var signerInfo = cms.SignerInfos[0];
        try
        {
            var messageTypeText = ReadAttributeString(signerInfo, ScepOids.MessageType)
                ?? throw new ScepFormatException("The pkiMessage has no messageType attribute.");
            if (!int.TryParse(messageTypeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var messageType)
                || !Enum.IsDefined((ScepMessageType)messageType))
            {
                throw new ScepFormatException($"The pkiMessage has an unknown messageType '{messageTypeText}'.");
            }
            var transactionId = ReadAttributeString(signerInfo, ScepOids.TransactionId)
                ?? throw new ScepFormatException("The pkiMessage has no transactionID attribute.");
            var senderNonce = ReadAttributeOctets(signerInfo, ScepOids.SenderNonce) ?? [];
            var statusText = ReadAttributeString(signerInfo, ScepOids.PkiStatus);
            var failText = ReadAttributeString(signerInfo, ScepOids.FailInfo);
            return new ScepPkiMessage(cms)
            {
                MessageType = (ScepMessageType)messageType,
                TransactionId = transactionId,
                SenderNonce = senderNonce,
                RecipientNonce = ReadAttributeOctets(signerInfo, ScepOids.RecipientNonce),
                PkiStatus = statusText is null ? null : (ScepPkiStatus)ParseSmallNumber(statusText, "pkiStatus"),
                FailInfo = failText is null ? null : (ScepFailInfo)ParseSmallNumber(failText, "failInfo"),
                Content = cms.ContentInfo.Content,
                SignerCertificate = signerInfo.Certificate,
                DigestAlgorithm = signerInfo.DigestAlgorithm.Value,
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
        if (signedCms is null)
        {
            throw new InvalidOperationException("Only a decoded message can be verified.");
        }
        if (DigestAlgorithm is not (ScepOids.Sha256 or ScepOids.Sha384 or ScepOids.Sha512))
        {
            throw new ScepMessageException(ScepFailInfo.BadAlg, $"Digest algorithm {DigestAlgorithm} is not accepted (SHA-256/384/512 only).");
        }
        var signerInfo = signedCms.SignerInfos[0];
        var signatureAlgorithm = signerInfo.SignatureAlgorithm.Value;
        if (signatureAlgorithm is null || !AcceptedSignatureAlgorithms.Contains(signatureAlgorithm))
        {
            throw new ScepMessageException(ScepFailInfo.BadAlg, $"Signature algorithm {signatureAlgorithm} is not accepted (RSA PKCS#1 v1.5 or ECDSA).");
        }
        try
        {
            if (expectedSigner is null)
            {
                if (signerInfo.Certificate is null)
                {
                    throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage does not include its signer's certificate.");
                }
                signerInfo.CheckSignature(verifySignatureOnly: true);
            }
            else
            {
                signerInfo.CheckSignature(new X509Certificate2Collection(expectedSigner), verifySignatureOnly: true);
                if (signerInfo.Certificate is null || !signerInfo.Certificate.RawData.AsSpan().SequenceEqual(expectedSigner.RawData))
                {
                    throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The pkiMessage was not signed by the expected certificate.");
                }
            }
        }
        catch (CryptographicException exception)
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, $"The pkiMessage signature does not verify: {exception.Message}", exception);
        }
    }

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

    private static byte[]? FindAttributeValue(SignerInfo signerInfo, string oid)
    {
        foreach (var attribute in signerInfo.SignedAttributes)
        {
            if (attribute.Oid.Value == oid && attribute.Values.Count > 0)
            {
                return attribute.Values[0].RawData;
            }
        }
        return null;
    }

    private static string? ReadAttributeString(SignerInfo signerInfo, string oid)
    {
        var raw = FindAttributeValue(signerInfo, oid);
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

    private static byte[]? ReadAttributeOctets(SignerInfo signerInfo, string oid)
    {
        var raw = FindAttributeValue(signerInfo, oid);
        return raw is null ? null : new AsnReader(raw, AsnEncodingRules.BER).ReadOctetString();
    }
}
