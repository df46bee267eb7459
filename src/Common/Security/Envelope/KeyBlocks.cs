using System.Buffers.Binary;

namespace CleverCloud.Security.Envelope;

/// <summary>One member's wrapped room key inside a key-distribution message.</summary>
internal readonly record struct WrappedKeyEntry(string Member, KeyWrapAlgorithm Algorithm, byte[] WrappedKey);

/// <summary>
/// The signed encodings of the session-key material (docs/wire-format.md §2):
/// peer   = u8 wrap-alg | u16 len epk | epk | u16 len wrapped | wrapped
/// rekey  = str room | u16 len epk | epk | u16 count | count × (str member | u8 wrap-alg | u16 len wrapped | wrapped)
/// presence body = str availability | u32 len load-json | load-json (UTF-8)
/// </summary>
internal static class KeyBlocks
{
    public static byte[] Peer(KeyWrapAlgorithm algorithm, ReadOnlySpan<byte> ephemeralPoint, ReadOnlySpan<byte> wrappedKey)
    {
        var block = new byte[1 + 2 + ephemeralPoint.Length + 2 + wrappedKey.Length];
        var span = block.AsSpan();
        span[0] = (byte)algorithm;
        var position = 1 + WriteBytes16(span[1..], ephemeralPoint);
        WriteBytes16(span[position..], wrappedKey);
        return block;
    }

    public static byte[] Distribution(string room, ReadOnlySpan<byte> ephemeralPoint, IReadOnlyList<WrappedKeyEntry> entries)
    {
        var length = CanonicalEncoding.StringLength(room) + 2 + ephemeralPoint.Length + 2;
        for (var i = 0; i < entries.Count; i++)
        {
            length += CanonicalEncoding.StringLength(entries[i].Member) + 1 + 2 + entries[i].WrappedKey.Length;
        }
        var block = new byte[length];
        var span = block.AsSpan();
        var position = CanonicalEncoding.WriteString(span, room);
        position += WriteBytes16(span[position..], ephemeralPoint);
        BinaryPrimitives.WriteUInt16BigEndian(span[position..], checked((ushort)entries.Count));
        position += 2;
        for (var i = 0; i < entries.Count; i++)
        {
            position += CanonicalEncoding.WriteString(span[position..], entries[i].Member);
            span[position++] = (byte)entries[i].Algorithm;
            position += WriteBytes16(span[position..], entries[i].WrappedKey);
        }
        return block;
    }

    public static byte[] PresenceBody(string availability, ReadOnlySpan<byte> loadJsonUtf8)
    {
        var body = new byte[CanonicalEncoding.StringLength(availability) + 4 + loadJsonUtf8.Length];
        var position = CanonicalEncoding.WriteString(body, availability);
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(position), (uint)loadJsonUtf8.Length);
        loadJsonUtf8.CopyTo(body.AsSpan(position + 4));
        return body;
    }

    private static int WriteBytes16(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, checked((ushort)value.Length));
        value.CopyTo(destination[2..]);
        return 2 + value.Length;
    }
}
