using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;

namespace CleverCloud.CertificateAuthority.Issuance;

/// <summary>What the CA takes from a PKCS#10 request once its own signature (proof of possession) checked out.</summary>
public sealed record InspectedSigningRequest(
    PublicKey PublicKey,
    bool IsRsaKey,
    string? CommonName,
    IReadOnlyList<string> XmppAddresses,
    AgentRole? RequestedRole,
    string? ChallengePassword);

/// <summary>Parses and checks a PKCS#10 request; every rejection is a <see cref="ScepMessageException"/>.</summary>
public static class SigningRequestInspector
{
    private const string CommonNameOid = "2.5.4.3";
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const int MinimumRsaBits = 2048;

    private static readonly HashSet<string> AcceptedSignatureAlgorithms =
    [
        "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", // sha{256,384,512}WithRSAEncryption
        "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4", // ecdsa-with-SHA{256,384,512}
    ];

    private static readonly HashSet<string> AcceptedCurves = ["1.2.840.10045.3.1.7", "1.3.132.0.34"]; // P-256, P-384

    /// <param name="der">The PKCS#10 request.</param>
    /// <param name="signer">
    /// The certificate that signed the SCEP message, when known: a client signs with the key it asks to certify, and
    /// reusing that certificate's already decoded key for the proof of possession saves a key import, which on
    /// OpenSSL 3.0 costs more than the verification.
    /// </param>
    public static InspectedSigningRequest Inspect(byte[] der, X509Certificate2? signer = null)
    {
        try
        {
            return InspectChecked(der, signer);
        }
        catch (Exception exception) when (exception is CryptographicException or AsnContentException)
        {
            throw new ScepMessageException(ScepFailInfo.BadRequest, $"The CSR cannot be read: {exception.Message}", exception);
        }
    }

    private static InspectedSigningRequest InspectChecked(byte[] der, X509Certificate2? signer)
    {
        var (signedInfo, signatureAlgorithm, signature) = ReadSignedParts(der);
        if (!AcceptedSignatureAlgorithms.Contains(signatureAlgorithm))
        {
            throw new ScepMessageException(ScepFailInfo.BadAlg, $"CSR signature algorithm {signatureAlgorithm} is not accepted (SHA-2 with RSA or ECDSA only).");
        }
        // Parsed without its signature check, which follows right below with a key we may already hold.
        var request = CertificateRequest.LoadSigningRequest(
            der, HashAlgorithmName.SHA256,
            CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions | CertificateRequestLoadOptions.SkipSignatureValidation,
            RSASignaturePadding.Pkcs1);
        if (!ProvesPossession(request.PublicKey, signer, signedInfo, signatureAlgorithm, signature))
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The CSR's signature does not match its public key (no proof of possession).");
        }
        var isRsa = CheckKey(request.PublicKey);
        var commonName = ReadCommonNameLeniently(request.SubjectName.RawData);
        IReadOnlyList<string> addresses = [];
        AgentRole? role = null;
        foreach (var extension in request.CertificateExtensions)
        {
            if (extension.Oid?.Value == XmppAddressName.SubjectAltNameOid)
            {
                try
                {
                    addresses = XmppAddressName.ReadFromSubjectAltName(extension.RawData);
                }
                catch (AsnContentException exception)
                {
                    throw new ScepMessageException(ScepFailInfo.BadRequest, "The CSR's subjectAltName is malformed.", exception);
                }
            }
            else if (extension.Oid?.Value == CleverOids.AgentRoleExtension)
            {
                role = AgentRoleExtension.Decode(extension.RawData)
                    ?? throw new ScepMessageException(ScepFailInfo.BadRequest, "The CSR's role extension names no known role.");
            }
        }
        string? challenge = null;
        foreach (var attribute in request.OtherRequestAttributes)
        {
            if (attribute.Oid?.Value == CleverOids.ChallengePassword)
            {
                challenge = ReadDirectoryString(attribute.RawData);
            }
        }
        return new InspectedSigningRequest(request.PublicKey, isRsa, commonName, addresses, role, challenge);
    }

    /// <summary>
    /// The last CN of a DER Name. Lenient on purpose: certmonger (and OpenSSL) put "hm1@clever.test" into a
    /// PrintableString although '@' is outside its alphabet, which .NET's strict decoder rejects. The CN only has to be
    /// compared with the challenge's address, so the bytes are read as Latin-1 (UTF-8 for UTF8String).
    /// </summary>
    private static string? ReadCommonNameLeniently(byte[] nameDer)
    {
        try
        {
            string? commonName = null;
            var rdnSequence = new AsnReader(nameDer, AsnEncodingRules.BER).ReadSequence();
            while (rdnSequence.HasData)
            {
                var relativeName = rdnSequence.ReadSetOf(skipSortOrderValidation: true);
                while (relativeName.HasData)
                {
                    var typeAndValue = relativeName.ReadSequence();
                    var type = typeAndValue.ReadObjectIdentifier();
                    var value = typeAndValue.ReadEncodedValue();
                    if (type != CommonNameOid)
                    {
                        continue;
                    }
                    var tag = AsnDecoder.ReadEncodedValue(value.Span, AsnEncodingRules.BER, out var offset, out var length, out _);
                    var bytes = value.Span.Slice(offset, length);
                    commonName = tag.TagValue switch
                    {
                        (int)UniversalTagNumber.UTF8String => System.Text.Encoding.UTF8.GetString(bytes),
                        (int)UniversalTagNumber.BMPString => System.Text.Encoding.BigEndianUnicode.GetString(bytes),
                        _ => System.Text.Encoding.Latin1.GetString(bytes),
                    };
                }
            }
            return commonName;
        }
        catch (AsnContentException exception)
        {
            throw new ScepMessageException(ScepFailInfo.BadRequest, "The CSR subject is not a valid Name.", exception);
        }
    }

    private static (ReadOnlyMemory<byte> SignedInfo, string Algorithm, byte[] Signature) ReadSignedParts(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var certificationRequest = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var signedInfo = certificationRequest.ReadEncodedValue();
            var algorithm = certificationRequest.ReadSequence().ReadObjectIdentifier();
            var signature = certificationRequest.ReadBitString(out var unusedBits);
            certificationRequest.ThrowIfNotEmpty();
            if (unusedBits != 0)
            {
                throw new AsnContentException("The CSR signature is not a whole number of bytes.");
            }
            return (signedInfo, algorithm, signature);
        }
        catch (AsnContentException exception)
        {
            throw new ScepMessageException(ScepFailInfo.BadRequest, "The decrypted messageData is not a DER PKCS#10 request.", exception);
        }
    }

    /// <summary>Checks the CSR's self-signature (PKCS#1 v1.5 or ECDSA over SHA-2), with the signer's key when it is the same key.</summary>
    private static bool ProvesPossession(PublicKey publicKey, X509Certificate2? signer, ReadOnlyMemory<byte> signedInfo, string algorithm, byte[] signature)
    {
        var hash = algorithm switch
        {
            "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            _ => throw new ScepMessageException(ScepFailInfo.BadAlg, $"CSR signature algorithm {algorithm} is not accepted."),
        };
        var sameKey = signer is not null
            && signer.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(publicKey.ExportSubjectPublicKeyInfo());
        try
        {
            if (algorithm.StartsWith("1.2.840.10045.", StringComparison.Ordinal))
            {
                // The certificate withholds its key when its key usage excludes signing: then the CSR's key is read.
                using var ecdsa = (sameKey ? signer!.GetECDsaPublicKey() : null) ?? publicKey.GetECDsaPublicKey();
                return ecdsa is not null && ecdsa.VerifyData(signedInfo.Span, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
            }
            using var rsa = (sameKey ? signer!.GetRSAPublicKey() : null) ?? publicKey.GetRSAPublicKey();
            return rsa is not null && rsa.VerifyData(signedInfo.Span, signature, hash, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool CheckKey(PublicKey publicKey)
    {
        switch (publicKey.Oid.Value)
        {
            case RsaOid:
                using (var rsa = publicKey.GetRSAPublicKey())
                {
                    return rsa is not null && rsa.KeySize >= MinimumRsaBits
                        ? true
                        : throw new ScepMessageException(ScepFailInfo.BadAlg, $"RSA keys shorter than {MinimumRsaBits} bits are not certified.");
                }
            case EcPublicKeyOid:
                var parameters = publicKey.EncodedParameters?.RawData;
                var curve = parameters is { Length: > 2 } && parameters[0] == 0x06
                    ? new AsnReader(parameters, AsnEncodingRules.DER).ReadObjectIdentifier()
                    : "(explicit or absent parameters)";
                return AcceptedCurves.Contains(curve)
                    ? false
                    : throw new ScepMessageException(ScepFailInfo.BadAlg, $"EC curve {curve} is not certified (P-256 or P-384 only).");
            default:
                throw new ScepMessageException(ScepFailInfo.BadAlg, $"Public key algorithm {publicKey.Oid.Value} is not certified.");
        }
    }

    private static string ReadDirectoryString(byte[] encoded)
    {
        try
        {
            var reader = new AsnReader(encoded, AsnEncodingRules.BER);
            var tag = reader.PeekTag();
            return tag.TagClass == TagClass.Universal && tag.TagValue is (int)UniversalTagNumber.PrintableString or (int)UniversalTagNumber.UTF8String
                or (int)UniversalTagNumber.IA5String or (int)UniversalTagNumber.T61String or (int)UniversalTagNumber.BMPString
                ? reader.ReadCharacterString((UniversalTagNumber)tag.TagValue)
                : throw new ScepMessageException(ScepFailInfo.BadRequest, "The challengePassword attribute is not a string.");
        }
        catch (AsnContentException exception)
        {
            throw new ScepMessageException(ScepFailInfo.BadRequest, "The challengePassword attribute is malformed.", exception);
        }
    }
}
