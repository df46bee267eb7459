using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Scep;

/// <summary>
/// CMS EnvelopedData for an EC recipient (RFC 5652 KeyAgreeRecipientInfo with RFC 5753 ECDH): ephemeral-static
/// dhSinglePass-stdDH-sha256kdf-scheme, ANSI X9.63 KDF with SHA-256, AES-256 key wrap (RFC 3394), AES-256-CBC content.
/// Written on .NET's native ECDH because .NET's EnvelopedCms has no key agreement on Linux and BouncyCastle's
/// elliptic-curve arithmetic costs several times more CPU on the CA's hot path.
/// </summary>
internal static class EcdhEnvelope
{
    private const string EnvelopedDataOid = "1.2.840.113549.1.7.3";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string StdDhSha256KdfOid = "1.3.132.1.11.1";
    private const string Aes256WrapOid = "2.16.840.1.101.3.4.1.45";
    private const int KeyEncryptionKeyBytes = 32;
    private const int ContentKeyBytes = 32;
    private const ulong KeyWrapInitialValue = 0xA6A6A6A6A6A6A6A6;

    private static readonly Asn1Tag Context0 = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Context1 = new(TagClass.ContextSpecific, 1, isConstructed: true);
    private static readonly Asn1Tag EncryptedContentTag = new(TagClass.ContextSpecific, 0, isConstructed: false);

    public static byte[] Encrypt(byte[] content, X509Certificate2 recipient)
    {
        // Read the key as ECDSA: .NET refuses it as ECDH when the certificate's key usage lacks keyAgreement, but an
        // issued signing certificate renewing itself is a legitimate RFC 5753 recipient for its own reply.
        using var recipientSigningKey = recipient.GetECDsaPublicKey()
            ?? throw new ScepMessageException(ScepFailInfo.BadAlg, "The recipient certificate has no EC key.");
        using var recipientKey = AsKeyAgreementKey(recipientSigningKey);
        var curve = recipientKey.ExportParameters(false).Curve;
        using var ephemeral = ECDiffieHellman.Create(curve);
        var keyEncryptionKey = DeriveKeyEncryptionKey(ephemeral, recipientKey.PublicKey);
        var contentKey = RandomNumberGenerator.GetBytes(ContentKeyBytes);
        var iv = RandomNumberGenerator.GetBytes(16);
        byte[] ciphertext;
        using (var aes = Aes.Create())
        {
            aes.Key = contentKey;
            ciphertext = aes.EncryptCbc(content, iv, PaddingMode.PKCS7);
        }
        var wrappedKey = Wrap(keyEncryptionKey, contentKey);
        CryptographicOperations.ZeroMemory(contentKey);
        CryptographicOperations.ZeroMemory(keyEncryptionKey);
        var ephemeralPoint = ephemeral.ExportParameters(false).Q;

        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(EnvelopedDataOid);
            using (writer.PushSequence(Context0))
            using (writer.PushSequence())
            {
                writer.WriteInteger(2);
                using (writer.PushSetOf())
                using (writer.PushSequence(Context1))
                {
                    writer.WriteInteger(3);
                    using (writer.PushSequence(Context0))
                    using (writer.PushSequence(Context1))
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteObjectIdentifier(EcPublicKeyOid);
                        }
                        writer.WriteBitString([0x04, .. ephemeralPoint.X!, .. ephemeralPoint.Y!]);
                    }
                    WriteKeyEncryptionAlgorithm(writer);
                    using (writer.PushSequence())
                    using (writer.PushSequence())
                    {
                        using (writer.PushSequence())
                        {
                            writer.WriteEncodedValue(recipient.IssuerName.RawData);
                            writer.WriteInteger(recipient.SerialNumberBytes.Span);
                        }
                        writer.WriteOctetString(wrappedKey);
                    }
                }
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(ScepOids.Data);
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier(ScepOids.Aes256Cbc);
                        writer.WriteOctetString(iv);
                    }
                    writer.WriteOctetString(ciphertext, EncryptedContentTag);
                }
            }
        }
        return writer.Encode();
    }

    /// <summary>
    /// The same EC key as an <see cref="ECDiffieHellman"/>. On OpenSSL the key handle is shared: exporting the
    /// parameters and importing them again costs about as much as the key agreement itself on OpenSSL 3.0.
    /// </summary>
    private static ECDiffieHellman AsKeyAgreementKey(ECDsa key)
    {
        if (OperatingSystem.IsLinux() && key is ECDsaOpenSsl openSsl)
        {
            using var handle = openSsl.DuplicateKeyHandle();
            return new ECDiffieHellmanOpenSsl(handle);
        }
        ECParameters parameters;
        try
        {
            parameters = key.ExportParameters(includePrivateParameters: true);
        }
        catch (CryptographicException)
        {
            // A public key (a recipient certificate's): the public parameters are all there is.
            parameters = key.ExportParameters(includePrivateParameters: false);
        }
        return ECDiffieHellman.Create(parameters);
    }

    /// <exception cref="ScepMessageException">badAlg for another scheme, badMessageCheck when it does not decrypt.</exception>
    public static byte[] Decrypt(ReadOnlyMemory<byte> envelopedData, ECDsa privateKey)
    {
        try
        {
            var contentInfo = new AsnReader(envelopedData, AsnEncodingRules.BER).ReadSequence();
            if (contentInfo.ReadObjectIdentifier() != EnvelopedDataOid)
            {
                throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "Not a CMS EnvelopedData.");
            }
            var envelopedDataReader = contentInfo.ReadSequence(Context0).ReadSequence();
            envelopedDataReader.ReadInteger();
            var recipientInfos = envelopedDataReader.ReadSetOf(skipSortOrderValidation: true);
            var keyAgreement = recipientInfos.ReadSequence(Context1);
            keyAgreement.ReadInteger();
            var originator = keyAgreement.ReadSequence(Context0).ReadSequence(Context1);
            originator.ReadSequence();
            var point = originator.ReadBitString(out _);
            if (keyAgreement.PeekTag().HasSameClassAndValue(Context1))
            {
                keyAgreement.ReadEncodedValue();
            }
            var algorithm = keyAgreement.ReadSequence();
            var scheme = algorithm.ReadObjectIdentifier();
            var wrapAlgorithm = algorithm.ReadSequence().ReadObjectIdentifier();
            if (scheme != StdDhSha256KdfOid || wrapAlgorithm != Aes256WrapOid)
            {
                throw new ScepMessageException(ScepFailInfo.BadAlg, $"Key agreement {scheme} with {wrapAlgorithm} is not supported.");
            }
            var encryptedKey = keyAgreement.ReadSequence().ReadSequence();
            encryptedKey.ReadEncodedValue();
            var wrappedKey = encryptedKey.ReadOctetString();

            var encryptedContentInfo = envelopedDataReader.ReadSequence();
            encryptedContentInfo.ReadObjectIdentifier();
            var contentAlgorithm = encryptedContentInfo.ReadSequence();
            var cipher = contentAlgorithm.ReadObjectIdentifier();
            if (cipher != ScepOids.Aes256Cbc)
            {
                throw new ScepMessageException(ScepFailInfo.BadAlg, $"Content encryption {cipher} is not supported here.");
            }
            var iv = contentAlgorithm.ReadOctetString();
            var ciphertext = encryptedContentInfo.ReadOctetString(EncryptedContentTag);

            using var ours = AsKeyAgreementKey(privateKey);
            var parameters = ours.ExportParameters(false);
            var coordinateLength = (point.Length - 1) / 2;
            if (point.Length < 3 || point[0] != 0x04 || coordinateLength != parameters.Q.X!.Length)
            {
                throw new ScepMessageException(ScepFailInfo.BadMessageCheck, "The originator key is not an uncompressed point on our curve.");
            }
            using var theirs = ECDiffieHellman.Create(new ECParameters
            {
                Curve = parameters.Curve,
                Q = new ECPoint { X = point[1..(1 + coordinateLength)], Y = point[(1 + coordinateLength)..] },
            });
            var keyEncryptionKey = DeriveKeyEncryptionKey(ours, theirs.PublicKey);
            var contentKey = Unwrap(keyEncryptionKey, wrappedKey);
            using var aes = Aes.Create();
            aes.Key = contentKey;
            CryptographicOperations.ZeroMemory(contentKey);
            return aes.DecryptCbc(ciphertext, iv, PaddingMode.PKCS7);
        }
        catch (Exception exception) when (exception is AsnContentException or CryptographicException)
        {
            throw new ScepMessageException(ScepFailInfo.BadMessageCheck, $"The EC EnvelopedData does not decrypt: {exception.Message}", exception);
        }
    }

    private static void WriteKeyEncryptionAlgorithm(AsnWriter writer)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier(StdDhSha256KdfOid);
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(Aes256WrapOid);
            }
        }
    }

    /// <summary>X9.63 KDF, one SHA-256 block: KEK = SHA-256(Z || 00000001 || ECC-CMS-SharedInfo) (RFC 5753 §7.2).</summary>
    private static byte[] DeriveKeyEncryptionKey(ECDiffieHellman ours, ECDiffieHellmanPublicKey theirs)
    {
        var sharedInfo = new AsnWriter(AsnEncodingRules.DER);
        using (sharedInfo.PushSequence())
        {
            using (sharedInfo.PushSequence())
            {
                sharedInfo.WriteObjectIdentifier(Aes256WrapOid);
            }
            using (sharedInfo.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2, isConstructed: true)))
            {
                Span<byte> keyBits = stackalloc byte[4];
                BinaryPrimitives.WriteInt32BigEndian(keyBits, KeyEncryptionKeyBytes * 8);
                sharedInfo.WriteOctetString(keyBits);
            }
        }
        byte[] append = [0, 0, 0, 1, .. sharedInfo.Encode()];
        return ours.DeriveKeyFromHash(theirs, HashAlgorithmName.SHA256, null, append);
    }

    /// <summary>AES key wrap, RFC 3394 §2.2.1.</summary>
    private static byte[] Wrap(byte[] keyEncryptionKey, byte[] plaintextKey)
    {
        var blocks = plaintextKey.Length / 8;
        var registers = new ulong[blocks];
        for (var index = 0; index < blocks; index++)
        {
            registers[index] = BinaryPrimitives.ReadUInt64BigEndian(plaintextKey.AsSpan(index * 8));
        }
        var a = KeyWrapInitialValue;
        using var aes = Aes.Create();
        aes.Key = keyEncryptionKey;
        Span<byte> block = stackalloc byte[16];
        Span<byte> output = stackalloc byte[16];
        for (var round = 0; round < 6; round++)
        {
            for (var index = 0; index < blocks; index++)
            {
                BinaryPrimitives.WriteUInt64BigEndian(block, a);
                BinaryPrimitives.WriteUInt64BigEndian(block[8..], registers[index]);
                aes.EncryptEcb(block, output, PaddingMode.None);
                a = BinaryPrimitives.ReadUInt64BigEndian(output) ^ (ulong)((blocks * round) + index + 1);
                registers[index] = BinaryPrimitives.ReadUInt64BigEndian(output[8..]);
            }
        }
        var wrapped = new byte[(blocks + 1) * 8];
        BinaryPrimitives.WriteUInt64BigEndian(wrapped, a);
        for (var index = 0; index < blocks; index++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(wrapped.AsSpan((index + 1) * 8), registers[index]);
        }
        return wrapped;
    }

    /// <summary>AES key unwrap, RFC 3394 §2.2.2, with the integrity check on the initial value.</summary>
    private static byte[] Unwrap(byte[] keyEncryptionKey, byte[] wrappedKey)
    {
        if (wrappedKey.Length < 24 || wrappedKey.Length % 8 != 0)
        {
            throw new CryptographicException("The wrapped key has an invalid length.");
        }
        var blocks = (wrappedKey.Length / 8) - 1;
        var a = BinaryPrimitives.ReadUInt64BigEndian(wrappedKey);
        var registers = new ulong[blocks];
        for (var index = 0; index < blocks; index++)
        {
            registers[index] = BinaryPrimitives.ReadUInt64BigEndian(wrappedKey.AsSpan((index + 1) * 8));
        }
        using var aes = Aes.Create();
        aes.Key = keyEncryptionKey;
        Span<byte> block = stackalloc byte[16];
        Span<byte> output = stackalloc byte[16];
        for (var round = 5; round >= 0; round--)
        {
            for (var index = blocks - 1; index >= 0; index--)
            {
                BinaryPrimitives.WriteUInt64BigEndian(block, a ^ (ulong)((blocks * round) + index + 1));
                BinaryPrimitives.WriteUInt64BigEndian(block[8..], registers[index]);
                aes.DecryptEcb(block, output, PaddingMode.None);
                a = BinaryPrimitives.ReadUInt64BigEndian(output);
                registers[index] = BinaryPrimitives.ReadUInt64BigEndian(output[8..]);
            }
        }
        if (a != KeyWrapInitialValue)
        {
            throw new CryptographicException("The wrapped content key fails its integrity check (wrong key agreement).");
        }
        var plaintext = new byte[blocks * 8];
        for (var index = 0; index < blocks; index++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(plaintext.AsSpan(index * 8), registers[index]);
        }
        return plaintext;
    }
}
