using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;

namespace CleverCloud.Identity.Scep;

/// <summary>
/// The inner layer of a SCEP message (RFC 8894 §3.1): CMS EnvelopedData with AES-256-CBC content encryption.
/// RSA recipients use key transport through .NET's EnvelopedCms. .NET has no key agreement on Linux, so EC
/// recipients (an ECDSA requester certificate receiving its CertRep) use ECDH ephemeral-static key agreement with
/// the SHA-256 X9.63 KDF and AES-256 key wrap (RFC 5753), see <see cref="EcdhEnvelope"/>.
/// </summary>
public static class ScepEnvelope
{
    public static byte[] Encrypt(byte[] content, X509Certificate2 recipient)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(recipient);
        if (recipient.GetRSAPublicKey() is { } rsa)
        {
            rsa.Dispose();
            var enveloped = new EnvelopedCms(
                new ContentInfo(new Oid(ScepOids.Data), content),
                new AlgorithmIdentifier(new Oid(ScepOids.Aes256Cbc)));
            enveloped.Encrypt(new CmsRecipient(SubjectIdentifierType.IssuerAndSerialNumber, recipient));
            return enveloped.Encode();
        }
        if (recipient.GetECDsaPublicKey() is { } ec)
        {
            ec.Dispose();
            return EcdhEnvelope.Encrypt(content, recipient);
        }
        throw new ScepMessageException(ScepFailInfo.BadAlg, $"Cannot encrypt to a {recipient.PublicKey.Oid.FriendlyName} key.");
    }

    /// <summary>Decrypts an EnvelopedData addressed to <paramref name="recipient"/>.</summary>
    /// <exception cref="ScepMessageException">badAlg for weak or unknown ciphers, badMessageCheck when it does not decrypt.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> envelopedData, X509Certificate2 recipient, AsymmetricAlgorithm privateKey)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(privateKey);
        var enveloped = new EnvelopedCms();
        try
        {
            enveloped.Decode(envelopedData);
        }
        catch (CryptographicException exception)
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The messageData is not a CMS EnvelopedData.", exception);
        }
        var cipher = enveloped.ContentEncryptionAlgorithm.Oid.Value;
        if (cipher is not (ScepOids.Aes128Cbc or ScepOids.Aes192Cbc or ScepOids.Aes256Cbc))
        {
            throw new ScepMessageException(ScepFailInfo.BadAlg, $"Content encryption {cipher} is not accepted (AES-CBC only).");
        }
        if (enveloped.RecipientInfos.Count == 0)
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The EnvelopedData has no recipients.");
        }
        try
        {
            if (privateKey is RSA)
            {
                foreach (var recipientInfo in enveloped.RecipientInfos)
                {
                    if (recipientInfo.Type == RecipientInfoType.KeyTransport && Matches(recipientInfo.RecipientIdentifier, recipient))
                    {
                        enveloped.Decrypt(recipientInfo, privateKey);
                        return enveloped.ContentInfo.Content;
                    }
                }
                throw new ScepMessageException(ScepFailInfo.BadCertId, "The EnvelopedData is not addressed to our RSA certificate.");
            }
            if (privateKey is ECDsa ecdsa)
            {
                return EcdhEnvelope.Decrypt(envelopedData.ToArray(), ecdsa);
            }
        }
        catch (CryptographicException exception)
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, $"The EnvelopedData does not decrypt: {exception.Message}", exception);
        }
        throw new ScepMessageException(ScepFailInfo.BadAlg, $"Cannot decrypt with a {privateKey.GetType().Name} key.");
    }

    private static bool Matches(SubjectIdentifier identifier, X509Certificate2 certificate) => identifier.Type switch
    {
        SubjectIdentifierType.IssuerAndSerialNumber when identifier.Value is X509IssuerSerial issuerSerial =>
            string.Equals(issuerSerial.SerialNumber, certificate.SerialNumber, StringComparison.OrdinalIgnoreCase)
            && issuerSerial.IssuerName == certificate.IssuerName.Name,
        SubjectIdentifierType.SubjectKeyIdentifier when identifier.Value is string keyId =>
            certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>()
                .Any(extension => string.Equals(extension.SubjectKeyIdentifier, keyId, StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };
}
