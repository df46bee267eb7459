namespace CleverCloud.Security.Envelope;

/// <summary>What an envelope carries. The numeric values are part of the signed canonical bytes: never renumber.</summary>
public enum EnvelopeType : byte
{
    Command = 1,
    Reply = 2,
    Event = 3,
    KeyDistribution = 4,
    Presence = 5,
}

/// <summary>How the body is protected. Part of the signed canonical bytes: never renumber.</summary>
public enum EnvelopeMode : byte
{
    /// <summary>Signed only: key distribution (the keys inside are wrapped per member) and presence.</summary>
    SignedOnly = 0,

    /// <summary>Body under the room session key (AES-256-GCM with a per-message key derived from the epoch key).</summary>
    Room = 1,

    /// <summary>Body under a fresh AES-256-GCM key wrapped for the recipient's certificate.</summary>
    Peer = 2,
}

/// <summary>Signature algorithms. Part of the signed canonical bytes: never renumber.</summary>
public enum SignatureAlgorithm : byte
{
    /// <summary>ECDSA P-256 with SHA-256; signature DER-encoded (RFC 3279 Dss-Sig-Value), as openssl emits.</summary>
    EcdsaP256Sha256 = 1,

    /// <summary>RSASSA-PSS with SHA-256, MGF1-SHA-256, salt length 32.</summary>
    RsaPssSha256 = 2,
}

/// <summary>How a content key is wrapped for one recipient. Part of the signed canonical bytes: never renumber.</summary>
public enum KeyWrapAlgorithm : byte
{
    /// <summary>ECDH-ES (ephemeral P-256) + HKDF-SHA256 → AES-256-GCM key-encryption key.</summary>
    EcdhEsHkdfA256Gcm = 1,

    /// <summary>RSAES-OAEP with SHA-256 and MGF1-SHA-256.</summary>
    RsaOaepSha256 = 2,

    /// <summary>
    /// A pairwise key from static-static ECDH between the two certified P-256 keys (computed once per pair of
    /// certificates and cached), then HKDF-SHA256 salted with the signed message nonce → AES-256-GCM key-encryption
    /// key. Room keys use the CM↔member pairwise key; one-to-one messages a separately derived peer pairwise key.
    /// </summary>
    EcdhSsHkdfA256Gcm = 3,
}

/// <summary>Wire names (attributes) of the enums above.</summary>
public static class EnvelopeWireNames
{
    public static string ToWire(this EnvelopeType type) => type switch
    {
        EnvelopeType.Command => "command",
        EnvelopeType.Reply => "reply",
        EnvelopeType.Event => "event",
        EnvelopeType.KeyDistribution => "key",
        EnvelopeType.Presence => "presence",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParseType(string? text, out EnvelopeType type)
    {
        switch (text)
        {
            case "command": type = EnvelopeType.Command; return true;
            case "reply": type = EnvelopeType.Reply; return true;
            case "event": type = EnvelopeType.Event; return true;
            case "key": type = EnvelopeType.KeyDistribution; return true;
            case "presence": type = EnvelopeType.Presence; return true;
            default: type = default; return false;
        }
    }

    public static string ToWire(this EnvelopeMode mode) => mode switch
    {
        EnvelopeMode.SignedOnly => "signed",
        EnvelopeMode.Room => "room",
        EnvelopeMode.Peer => "peer",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static bool TryParseMode(string? text, out EnvelopeMode mode)
    {
        switch (text)
        {
            case "signed": mode = EnvelopeMode.SignedOnly; return true;
            case "room": mode = EnvelopeMode.Room; return true;
            case "peer": mode = EnvelopeMode.Peer; return true;
            default: mode = default; return false;
        }
    }

    public static string ToWire(this SignatureAlgorithm algorithm) => algorithm switch
    {
        SignatureAlgorithm.EcdsaP256Sha256 => "ES256",
        SignatureAlgorithm.RsaPssSha256 => "PS256",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    public static bool TryParseSignature(string? text, out SignatureAlgorithm algorithm)
    {
        switch (text)
        {
            case "ES256": algorithm = SignatureAlgorithm.EcdsaP256Sha256; return true;
            case "PS256": algorithm = SignatureAlgorithm.RsaPssSha256; return true;
            default: algorithm = default; return false;
        }
    }

    public static string ToWire(this KeyWrapAlgorithm algorithm) => algorithm switch
    {
        KeyWrapAlgorithm.EcdhEsHkdfA256Gcm => "ECDH-ES+A256GCM",
        KeyWrapAlgorithm.RsaOaepSha256 => "RSA-OAEP-256",
        KeyWrapAlgorithm.EcdhSsHkdfA256Gcm => "ECDH-SS+A256GCM",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null),
    };

    public static bool TryParseKeyWrap(string? text, out KeyWrapAlgorithm algorithm)
    {
        switch (text)
        {
            case "ECDH-ES+A256GCM": algorithm = KeyWrapAlgorithm.EcdhEsHkdfA256Gcm; return true;
            case "RSA-OAEP-256": algorithm = KeyWrapAlgorithm.RsaOaepSha256; return true;
            case "ECDH-SS+A256GCM": algorithm = KeyWrapAlgorithm.EcdhSsHkdfA256Gcm; return true;
            default: algorithm = default; return false;
        }
    }

    /// <summary>The only content cipher: AES-256-GCM, 16-byte tag.</summary>
    public const string ContentAlgorithm = "A256GCM";
}
