using System.Buffers.Binary;
using System.Text;

namespace CleverCloud.Security.Envelope;

/// <summary>
/// The signed form of an envelope: a length-prefixed big-endian binary encoding, so there is exactly one byte string
/// per envelope and no XML canonicalisation question. Layout (docs/wire-format.md §2):
/// <code>
/// magic "CCENV\0" | u8 version=1 | u8 mode | u8 type | u8 signature-alg | u8 content-alg=1 (A256GCM)
/// | str sender | str recipient | str message-id
/// | i64 timestamp (Unix ms) | 16 nonce | u64 counter | u32 key-epoch
/// | u32 len key-block | key-block | u32 len body     ← the AEAD associated data ends here
/// | body                                           ← ciphertext‖tag, or the signed-only body
/// str = u16 length ‖ UTF-8 bytes
/// </code>
/// </summary>
internal static class CanonicalEncoding
{
    public const byte Version = 1;
    public const byte ContentAlgorithmA256Gcm = 1;
    public const int NonceLength = 16;

    private static ReadOnlySpan<byte> Magic => "CCENV\0"u8;

    /// <summary>Strict UTF-8: a string that cannot be encoded exactly (lone surrogate) is refused, never replaced.</summary>
    public static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private const int FixedLength = 6 + 1 + 4 + (3 * 2) + 8 + NonceLength + 8 + 4 + 4 + 4;

    /// <summary>Total length of the signed bytes for the given header, key block and body lengths.</summary>
    public static int SignedLength(in CanonicalHeader header, int keyBlockLength, int bodyLength) =>
        AssociatedDataLength(header, keyBlockLength) + bodyLength;

    /// <summary>Length of the prefix bound as AEAD associated data: everything before the body, its length included.</summary>
    public static int AssociatedDataLength(in CanonicalHeader header, int keyBlockLength) =>
        FixedLength + StrictUtf8.GetByteCount(header.Sender) + StrictUtf8.GetByteCount(header.Recipient)
        + StrictUtf8.GetByteCount(header.MessageId) + keyBlockLength;

    /// <summary>Writes the associated-data prefix and the body length; returns the offset where the body starts.</summary>
    public static int WriteHeader(Span<byte> destination, in CanonicalHeader header, ReadOnlySpan<byte> keyBlock, int bodyLength)
    {
        var position = 0;
        Magic.CopyTo(destination);
        position += Magic.Length;
        destination[position++] = Version;
        destination[position++] = (byte)header.Mode;
        destination[position++] = (byte)header.Type;
        destination[position++] = (byte)header.SignatureAlgorithm;
        destination[position++] = ContentAlgorithmA256Gcm;
        position += WriteString(destination[position..], header.Sender);
        position += WriteString(destination[position..], header.Recipient);
        position += WriteString(destination[position..], header.MessageId);
        BinaryPrimitives.WriteInt64BigEndian(destination[position..], header.TimestampMilliseconds);
        position += 8;
        BinaryPrimitives.WriteUInt128BigEndian(destination[position..], header.Nonce);
        position += NonceLength;
        BinaryPrimitives.WriteUInt64BigEndian(destination[position..], header.Counter);
        position += 8;
        BinaryPrimitives.WriteUInt32BigEndian(destination[position..], header.KeyEpoch);
        position += 4;
        BinaryPrimitives.WriteUInt32BigEndian(destination[position..], (uint)keyBlock.Length);
        position += 4;
        keyBlock.CopyTo(destination[position..]);
        position += keyBlock.Length;
        BinaryPrimitives.WriteUInt32BigEndian(destination[position..], (uint)bodyLength);
        return position + 4;
    }

    /// <summary>Builds the complete signed bytes around an already-known body.</summary>
    public static byte[] Build(in CanonicalHeader header, ReadOnlySpan<byte> keyBlock, ReadOnlySpan<byte> body)
    {
        var bytes = new byte[SignedLength(header, keyBlock.Length, body.Length)];
        var bodyOffset = WriteHeader(bytes, header, keyBlock, body.Length);
        body.CopyTo(bytes.AsSpan(bodyOffset));
        return bytes;
    }

    /// <summary>Parses signed bytes back (the audit verifier's view). False when they are not a canonical envelope.</summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out CanonicalHeader header, out int keyBlockOffset,
        out int keyBlockLength, out int bodyOffset, out int bodyLength)
    {
        header = default;
        keyBlockOffset = keyBlockLength = bodyOffset = bodyLength = 0;
        var reader = new SpanReader(bytes);
        if (!reader.TryTake(Magic.Length, out var magic) || !magic.SequenceEqual(Magic)
            || !reader.TryByte(out var version) || version != Version
            || !reader.TryByte(out var mode) || !reader.TryByte(out var type) || !reader.TryByte(out var signature)
            || !reader.TryByte(out var content) || content != ContentAlgorithmA256Gcm
            || !reader.TryString(out var sender) || !reader.TryString(out var recipient) || !reader.TryString(out var id)
            || !reader.TryInt64(out var timestamp) || !reader.TryTake(NonceLength, out var nonce)
            || !reader.TryUInt64(out var counter) || !reader.TryUInt32(out var epoch)
            || !reader.TryUInt32(out var keyLength) || keyLength > int.MaxValue)
        {
            return false;
        }
        keyBlockOffset = reader.Position;
        if (!reader.TryTake((int)keyLength, out _) || !reader.TryUInt32(out var length) || length > int.MaxValue)
        {
            return false;
        }
        bodyOffset = reader.Position;
        if (!reader.TryTake((int)length, out _) || !reader.AtEnd)
        {
            return false;
        }
        keyBlockLength = (int)keyLength;
        bodyLength = (int)length;
        header = new CanonicalHeader((EnvelopeMode)mode, (EnvelopeType)type, (SignatureAlgorithm)signature, sender, recipient,
            id, timestamp, BinaryPrimitives.ReadUInt128BigEndian(nonce), counter, epoch);
        return true;
    }

    public static int StringLength(string value) => 2 + StrictUtf8.GetByteCount(value);

    public static int WriteString(Span<byte> destination, string value)
    {
        var written = StrictUtf8.GetBytes(value, destination[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination, checked((ushort)written));
        return 2 + written;
    }
}

/// <summary>The header fields in the signed bytes.</summary>
internal readonly record struct CanonicalHeader(
    EnvelopeMode Mode,
    EnvelopeType Type,
    SignatureAlgorithm SignatureAlgorithm,
    string Sender,
    string Recipient,
    string MessageId,
    long TimestampMilliseconds,
    UInt128 Nonce,
    ulong Counter,
    uint KeyEpoch);

/// <summary>A bounds-checked forward reader over bytes: every read reports failure instead of throwing.</summary>
internal ref struct SpanReader(ReadOnlySpan<byte> bytes)
{
    private readonly ReadOnlySpan<byte> _bytes = bytes;

    public int Position { get; private set; }

    public readonly bool AtEnd => Position == _bytes.Length;

    public bool TryTake(int count, out ReadOnlySpan<byte> taken)
    {
        if (count < 0 || _bytes.Length - Position < count)
        {
            taken = default;
            return false;
        }
        taken = _bytes.Slice(Position, count);
        Position += count;
        return true;
    }

    public bool TryByte(out byte value)
    {
        var ok = TryTake(1, out var taken);
        value = ok ? taken[0] : (byte)0;
        return ok;
    }

    public bool TryUInt16(out ushort value)
    {
        var ok = TryTake(2, out var taken);
        value = ok ? BinaryPrimitives.ReadUInt16BigEndian(taken) : (ushort)0;
        return ok;
    }

    public bool TryUInt32(out uint value)
    {
        var ok = TryTake(4, out var taken);
        value = ok ? BinaryPrimitives.ReadUInt32BigEndian(taken) : 0;
        return ok;
    }

    public bool TryUInt64(out ulong value)
    {
        var ok = TryTake(8, out var taken);
        value = ok ? BinaryPrimitives.ReadUInt64BigEndian(taken) : 0;
        return ok;
    }

    public bool TryInt64(out long value)
    {
        var ok = TryTake(8, out var taken);
        value = ok ? BinaryPrimitives.ReadInt64BigEndian(taken) : 0;
        return ok;
    }

    public bool TryString(out string value)
    {
        value = string.Empty;
        if (!TryUInt16(out var length) || !TryTake(length, out var utf8))
        {
            return false;
        }
        try
        {
            value = CanonicalEncoding.StrictUtf8.GetString(utf8);
            return true;
        }
        catch (DecoderFallbackException)
        {
            // Invalid UTF-8 means the bytes were not produced by an encoder of this format.
            return false;
        }
    }
}
