using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace CleverCloud.Security.Envelope;

/// <summary>
/// The primitives: signatures, content encryption and per-recipient key wrapping. Every content key is used for
/// exactly one encryption (fresh for peer traffic, derived from a 128-bit random nonce for room traffic), which is
/// why the GCM IV can be the constant zero block.
/// </summary>
internal static class EnvelopeCrypto
{
    public const int KeyLength = 32;
    public const int TagLength = 16;
    public const int EcPointLength = 65;
    public const int WrappedKeyLengthEc = KeyLength + TagLength;
    public const int MaxWrappedKeyLength = 512;
    public const int MaxSignatureLength = 512;

    private const string P256Oid = "1.2.840.10045.3.1.7";

    private static ReadOnlySpan<byte> ZeroIv => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private static ReadOnlySpan<byte> RoomMessageLabel => "CleverCloud room message key v1"u8;

    private static readonly ConditionalWeakTable<X509Certificate2, PeerKeys> PeerKeyCache = new();

    /// <summary>The cached public keys of a peer certificate (importing a key costs more than using it).</summary>
    public static PeerKeys KeysOf(X509Certificate2 certificate) =>
        PeerKeyCache.GetValue(certificate, static cert => PeerKeys.Create(cert));

    public static byte[] Sign(LocalKeys keys, ReadOnlySpan<byte> data)
    {
        lock (keys.Gate)
        {
            return keys.SignatureAlgorithm switch
            {
                SignatureAlgorithm.EcdsaP256Sha256 =>
                    keys.Ecdsa!.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                SignatureAlgorithm.RsaPssSha256 => keys.Rsa!.SignData(data.ToArray(), HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
                _ => throw new ArgumentOutOfRangeException(nameof(keys)),
            };
        }
    }

    /// <summary>False when the signature is wrong or the certificate's key does not fit the algorithm.</summary>
    public static bool Verify(PeerKeys keys, SignatureAlgorithm algorithm, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        lock (keys.Gate)
        {
            return algorithm switch
            {
                SignatureAlgorithm.EcdsaP256Sha256 => keys.Ecdsa is { } ecdsa
                    && ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                SignatureAlgorithm.RsaPssSha256 => keys.Rsa is { } rsa
                    && rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss),
                _ => false,
            };
        }
    }

    /// <summary>The single-use AES-256-GCM key of one room message: HKDF(epoch key, salt = the message nonce).</summary>
    public static void DeriveRoomMessageKey(ReadOnlySpan<byte> epochKey, ReadOnlySpan<byte> nonce, Span<byte> messageKey) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, epochKey, messageKey, nonce, RoomMessageLabel);

    public static void EncryptContent(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData,
        Span<byte> ciphertextAndTag)
    {
        using var aes = new AesGcm(key, TagLength);
        aes.Encrypt(ZeroIv, plaintext, ciphertextAndTag[..plaintext.Length], ciphertextAndTag.Slice(plaintext.Length, TagLength),
            associatedData);
    }

    /// <summary>False when the tag does not match (wrong key, tampered ciphertext or associated data).</summary>
    public static bool TryDecryptContent(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertextAndTag,
        ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        if (ciphertextAndTag.Length < TagLength)
        {
            return false;
        }
        var ciphertextLength = ciphertextAndTag.Length - TagLength;
        using var aes = new AesGcm(key, TagLength);
        try
        {
            aes.Decrypt(ZeroIv, ciphertextAndTag[..ciphertextLength], ciphertextAndTag[ciphertextLength..],
                plaintext[..ciphertextLength], associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    /// <summary>A fresh ephemeral P-256 key and its uncompressed public point (the "epk" on the wire).</summary>
    public static ECDiffieHellman CreateEphemeral(out byte[] publicPoint)
    {
        var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var parameters = ephemeral.ExportParameters(includePrivateParameters: false);
        publicPoint = new byte[EcPointLength];
        publicPoint[0] = 0x04;
        parameters.Q.X!.CopyTo(publicPoint, 1);
        parameters.Q.Y!.CopyTo(publicPoint, 33);
        return ephemeral;
    }

    /// <summary>The HKDF info that binds a wrapped key to its recipient and purpose.</summary>
    public static byte[] WrapContext(string recipient, string purpose)
    {
        var builder = new byte[24 + Encoding.UTF8.GetMaxByteCount(recipient.Length + purpose.Length) + 2];
        var position = 0;
        "CleverCloud key wrap v1\0"u8.CopyTo(builder);
        position += 24;
        position += CanonicalEncoding.StrictUtf8.GetBytes(recipient, builder.AsSpan(position));
        builder[position++] = 0;
        position += CanonicalEncoding.StrictUtf8.GetBytes(purpose, builder.AsSpan(position));
        return builder.AsSpan(0, position).ToArray();
    }

    /// <summary>ECDH-ES: wraps <paramref name="key"/> for a recipient's P-256 key under the ephemeral key.</summary>
    public static byte[] WrapEc(ECDiffieHellman ephemeral, ReadOnlySpan<byte> ephemeralPoint, ECDiffieHellmanPublicKey recipient,
        ReadOnlySpan<byte> context, ReadOnlySpan<byte> key)
    {
        var shared = ephemeral.DeriveRawSecretAgreement(recipient);
        Span<byte> kek = stackalloc byte[KeyLength + 12];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, kek, ephemeralPoint, context);
            var wrapped = new byte[WrappedKeyLengthEc];
            using var aes = new AesGcm(kek[..KeyLength], TagLength);
            aes.Encrypt(kek[KeyLength..], key, wrapped.AsSpan(0, KeyLength), wrapped.AsSpan(KeyLength, TagLength), context);
            return wrapped;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>False when the point is not on P-256 or the wrapped key does not authenticate.</summary>
    public static bool TryUnwrapEc(ECDiffieHellman own, ReadOnlySpan<byte> ephemeralPoint, ReadOnlySpan<byte> context,
        ReadOnlySpan<byte> wrapped, Span<byte> key)
    {
        if (ephemeralPoint.Length != EcPointLength || ephemeralPoint[0] != 0x04 || wrapped.Length != WrappedKeyLengthEc)
        {
            return false;
        }
        byte[] shared;
        try
        {
            using var peer = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = ephemeralPoint.Slice(1, 32).ToArray(), Y = ephemeralPoint.Slice(33, 32).ToArray() },
            });
            shared = own.DeriveRawSecretAgreement(peer.PublicKey);
        }
        catch (CryptographicException)
        {
            // The import validates the point: an off-curve point (invalid-curve attack) lands here.
            return false;
        }
        Span<byte> kek = stackalloc byte[KeyLength + 12];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, kek, ephemeralPoint, context);
            using var aes = new AesGcm(kek[..KeyLength], TagLength);
            aes.Decrypt(kek[KeyLength..], wrapped[..KeyLength], wrapped[KeyLength..], key, context);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    /// <summary>
    /// The CM↔member pairwise key: HKDF over static-static ECDH, bound to both addresses. Costs one ECDH per pair of
    /// certificates; callers cache it, so re-keying is symmetric work only.
    /// </summary>
    public static byte[] DerivePairwiseKey(ECDiffieHellman own, ECDiffieHellmanPublicKey peer, string moderator, string member) =>
        DeriveFromAgreement(own, peer, "CleverCloud pairwise v1"u8, WrapContext(member, "pairwise " + moderator));

    /// <summary>
    /// The pairwise key of two agents for one-to-one messages: HKDF over their static-static ECDH, bound to both
    /// addresses in a fixed (ordinal) order so that both ends derive the same key, and labelled apart from the
    /// CM↔member key of room-key distribution so that the two never coincide.
    /// </summary>
    public static byte[] DerivePeerPairwiseKey(ECDiffieHellman own, ECDiffieHellmanPublicKey peer, string ownAddress, string peerAddress)
    {
        var (first, second) = string.CompareOrdinal(ownAddress, peerAddress) <= 0 ? (ownAddress, peerAddress) : (peerAddress, ownAddress);
        return DeriveFromAgreement(own, peer, "CleverCloud peer pairwise v1"u8, WrapContext(first, "peer " + second));
    }

    private static byte[] DeriveFromAgreement(ECDiffieHellman own, ECDiffieHellmanPublicKey peer, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info)
    {
        var shared = own.DeriveRawSecretAgreement(peer);
        try
        {
            var key = new byte[KeyLength];
            HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, key, salt, info);
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }

    /// <summary>Wraps under a pairwise key; the salt (the signed message nonce) makes every wrapping key single-use.</summary>
    public static byte[] WrapPairwise(ReadOnlySpan<byte> pairwiseKey, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> context, ReadOnlySpan<byte> key)
    {
        Span<byte> kek = stackalloc byte[KeyLength + 12];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, pairwiseKey, kek, salt, context);
            var wrapped = new byte[WrappedKeyLengthEc];
            using var aes = new AesGcm(kek[..KeyLength], TagLength);
            aes.Encrypt(kek[KeyLength..], key, wrapped.AsSpan(0, KeyLength), wrapped.AsSpan(KeyLength, TagLength), context);
            return wrapped;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public static bool TryUnwrapPairwise(ReadOnlySpan<byte> pairwiseKey, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> context,
        ReadOnlySpan<byte> wrapped, Span<byte> key)
    {
        if (wrapped.Length != WrappedKeyLengthEc)
        {
            return false;
        }
        Span<byte> kek = stackalloc byte[KeyLength + 12];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, pairwiseKey, kek, salt, context);
            using var aes = new AesGcm(kek[..KeyLength], TagLength);
            aes.Decrypt(kek[KeyLength..], wrapped[..KeyLength], wrapped[KeyLength..], key, context);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    public static byte[] WrapRsa(RSA recipient, ReadOnlySpan<byte> key) =>
        recipient.Encrypt(key.ToArray(), RSAEncryptionPadding.OaepSHA256);

    public static bool TryUnwrapRsa(RSA own, ReadOnlySpan<byte> wrapped, Span<byte> key)
    {
        try
        {
            var unwrapped = own.Decrypt(wrapped.ToArray(), RSAEncryptionPadding.OaepSHA256);
            var ok = unwrapped.Length == KeyLength;
            if (ok)
            {
                unwrapped.CopyTo(key);
            }
            CryptographicOperations.ZeroMemory(unwrapped);
            return ok;
        }
        catch (CryptographicException)
        {
            // OAEP padding failure: the key was not wrapped for us or was altered.
            return false;
        }
    }

    /// <summary>The local agent's private keys, loaded once.</summary>
    internal sealed class LocalKeys : IDisposable
    {
        private LocalKeys(SignatureAlgorithm algorithm, ECDsa? ecdsa, ECDiffieHellman? ecdh, RSA? rsa)
        {
            SignatureAlgorithm = algorithm;
            Ecdsa = ecdsa;
            Ecdh = ecdh;
            Rsa = rsa;
        }

        /// <summary>Serialises use of the private keys, whose instance methods are not documented thread-safe.</summary>
        public Lock Gate { get; } = new();
        public SignatureAlgorithm SignatureAlgorithm { get; }
        public ECDsa? Ecdsa { get; }
        public ECDiffieHellman? Ecdh { get; }
        public RSA? Rsa { get; }

        public static LocalKeys Create(X509Certificate2 certificate)
        {
            if (certificate.GetECDsaPrivateKey() is { } ecdsa)
            {
                var parameters = ecdsa.ExportParameters(includePrivateParameters: true);
                if (parameters.Curve.Oid?.Value != P256Oid)
                {
                    ecdsa.Dispose();
                    throw new SecureEnvelopeException(Protocol.ErrorCode.UntrustedCertificate, "agent EC keys must be on P-256");
                }
                // The agent's one certified P-256 key also serves ECDH for key unwrapping (ECIES-style).
                var ecdh = ECDiffieHellman.Create(parameters);
                CryptographicOperations.ZeroMemory(parameters.D);
                return new LocalKeys(SignatureAlgorithm.EcdsaP256Sha256, ecdsa, ecdh, null);
            }
            if (certificate.GetRSAPrivateKey() is { } rsa)
            {
                if (rsa.KeySize < 2048)
                {
                    rsa.Dispose();
                    throw new SecureEnvelopeException(Protocol.ErrorCode.UntrustedCertificate, "agent RSA keys must be at least 2048 bits");
                }
                return new LocalKeys(SignatureAlgorithm.RsaPssSha256, null, null, rsa);
            }
            throw new SecureEnvelopeException(Protocol.ErrorCode.UntrustedCertificate, "the agent certificate holds neither a P-256 nor an RSA key");
        }

        public void Dispose()
        {
            Ecdsa?.Dispose();
            Ecdh?.Dispose();
            Rsa?.Dispose();
        }
    }

    /// <summary>A peer certificate's public keys (signature verification and key wrapping).</summary>
    internal sealed class PeerKeys
    {
        private readonly ECParameters _ecParameters;
        private ECDiffieHellman? _ecdh;
        private ECDiffieHellmanPublicKey? _ecdhPublicKey;

        private PeerKeys(ECDsa? ecdsa, ECParameters ecParameters, RSA? rsa)
        {
            Ecdsa = ecdsa;
            _ecParameters = ecParameters;
            Rsa = rsa;
        }

        /// <summary>The id-on-xmppAddr and role bound into the certificate (read once, checked on every message).</summary>
        public string? Address { get; private init; }
        public Identity.Certificates.AgentRole? Role { get; private init; }

        /// <summary>Serialises use of the key objects, whose instance methods are not documented thread-safe.</summary>
        public Lock Gate { get; } = new();
        public ECDsa? Ecdsa { get; }
        public RSA? Rsa { get; }

        /// <summary>
        /// The peer's P-256 key as an ECDH public key, imported on first use only: most peers are only ever verified,
        /// and the import (with its point validation) costs about as much as a signature verification.
        /// </summary>
        public ECDiffieHellmanPublicKey? Ecdh
        {
            get
            {
                if (Ecdsa is null)
                {
                    return null;
                }
                lock (Gate)
                {
                    if (_ecdhPublicKey is null)
                    {
                        // Kept alive with the cache entry: the public-key object may share the native key handle.
                        _ecdh = ECDiffieHellman.Create(_ecParameters);
                        _ecdhPublicKey = _ecdh.PublicKey;
                    }
                    return _ecdhPublicKey;
                }
            }
        }

        public static PeerKeys Create(X509Certificate2 certificate)
        {
            var (address, role) = Identity.Certificates.CertificateIdentity.Read(certificate);
            var keys = CreateKeys(certificate);
            return new PeerKeys(keys.Ecdsa, keys._ecParameters, keys.Rsa) { Address = address, Role = role };
        }

        private static PeerKeys CreateKeys(X509Certificate2 certificate)
        {
            if (certificate.GetECDsaPublicKey() is { } ecdsa)
            {
                var parameters = ecdsa.ExportParameters(includePrivateParameters: false);
                if (parameters.Curve.Oid?.Value != P256Oid)
                {
                    ecdsa.Dispose();
                    return new PeerKeys(null, default, null);
                }
                return new PeerKeys(ecdsa, parameters, null);
            }
            if (certificate.GetRSAPublicKey() is { } rsa)
            {
                return rsa.KeySize >= 2048 ? new PeerKeys(null, default, rsa) : new PeerKeys(null, default, null);
            }
            return new PeerKeys(null, default, null);
        }
    }
}
