using System.Buffers.Binary;
using System.Globalization;
using System.Xml.Linq;

namespace CleverCloud.Security.Envelope;

/// <summary>An envelope read from XML, every field size-checked, not yet verified.</summary>
internal sealed class ParsedEnvelope
{
    public required CanonicalHeader Header { get; init; }
    public required byte[] Signature { get; init; }
    public required byte[] KeyBlock { get; init; }
    public required byte[] Body { get; init; }

    public KeyWrapAlgorithm WrapAlgorithm { get; init; }
    public byte[] EphemeralPoint { get; init; } = [];
    public byte[] WrappedKey { get; init; } = [];

    public string DistributionRoom { get; init; } = string.Empty;
    public IReadOnlyList<WrappedKeyEntry> Entries { get; init; } = [];

    public string Availability { get; init; } = string.Empty;
    public string LoadJson { get; init; } = string.Empty;
}

/// <summary>
/// Reads the envelope elements out of a stanza. Sizes are capped before anything is decoded, every field must be
/// present exactly once and every algorithm id known; anything else is a <c>MalformedEnvelope</c>, with no
/// cryptographic work done.
/// </summary>
internal static class EnvelopeParser
{
    public static bool TryParse(XElement stanza, SecurityOptions options, out ParsedEnvelope envelope, out string problem)
    {
        envelope = null!;
        XElement? header = null, timestamp = null, encrypted = null, signed = null, sessionKey = null, presence = null;
        foreach (var child in stanza.Elements())
        {
            var name = child.Name;
            ref var slot = ref header;
            if (name == EnvelopeNames.HeaderElement) { slot = ref header; }
            else if (name == EnvelopeNames.TimestampElement) { slot = ref timestamp; }
            else if (name == EnvelopeNames.EncryptedElement) { slot = ref encrypted; }
            else if (name == EnvelopeNames.SignedElement) { slot = ref signed; }
            else if (name == EnvelopeNames.SessionKeyElement) { slot = ref sessionKey; }
            else if (name == EnvelopeNames.PresenceElement) { slot = ref presence; }
            else { continue; }
            if (slot is not null)
            {
                problem = $"duplicate <{name.LocalName} xmlns='{name.NamespaceName}'>";
                return false;
            }
            slot = child;
        }
        if (header is null || timestamp is null || signed is null)
        {
            problem = header is null ? "missing envelope header" : timestamp is null ? "missing timestamp" : "missing signature";
            return false;
        }

        if ((string?)header.Attribute("v") != "1")
        {
            problem = "unsupported envelope version";
            return false;
        }
        if (!TryAddress(header, "from", options, out var sender, out problem)
            || !TryAddress(header, "to", options, out var recipient, out problem))
        {
            return false;
        }
        var id = (string?)header.Attribute("id");
        if (string.IsNullOrEmpty(id) || id.Length > options.MaxMessageIdLength)
        {
            problem = "missing or oversized message id";
            return false;
        }
        if (!EnvelopeWireNames.TryParseType((string?)header.Attribute("type"), out var type)
            || !EnvelopeWireNames.TryParseMode((string?)header.Attribute("mode"), out var mode))
        {
            problem = "unknown envelope type or mode";
            return false;
        }

        if (!TryTimestamp(timestamp, out var milliseconds, out var nonce, out var counter, out problem))
        {
            return false;
        }
        if (!EnvelopeWireNames.TryParseSignature((string?)signed.Attribute("alg"), out var signatureAlgorithm))
        {
            problem = "unknown signature algorithm";
            return false;
        }
        if (!TryBase64Leaf(signed, EnvelopeCrypto.MaxSignatureLength, out var signature, out problem))
        {
            return false;
        }

        var expectsPayload = type is EnvelopeType.Command or EnvelopeType.Reply or EnvelopeType.Event;
        if (expectsPayload != (mode is EnvelopeMode.Room or EnvelopeMode.Peer))
        {
            problem = "envelope type and mode do not fit";
            return false;
        }

        uint epoch = 0;
        byte[] keyBlock = [];
        byte[] body;
        var wrapAlgorithm = default(KeyWrapAlgorithm);
        byte[] ephemeralPoint = [];
        byte[] wrappedKey = [];
        var room = string.Empty;
        IReadOnlyList<WrappedKeyEntry> entries = [];
        var availability = string.Empty;
        var loadJson = string.Empty;

        switch (mode)
        {
            case EnvelopeMode.Room:
            case EnvelopeMode.Peer:
                if (encrypted is null || presence is not null || (mode == EnvelopeMode.Room) != (sessionKey is null))
                {
                    problem = mode == EnvelopeMode.Room
                        ? "room envelope needs <x xmlns='jabber:x:encrypted'> and no session key"
                        : "peer envelope needs <x xmlns='jabber:x:encrypted'> and <sessionkey>";
                    return false;
                }
                if ((string?)encrypted.Attribute("alg") != EnvelopeWireNames.ContentAlgorithm)
                {
                    problem = "unknown content algorithm";
                    return false;
                }
                if (mode == EnvelopeMode.Room)
                {
                    if (!TryUInt32(encrypted.Attribute("epoch"), out epoch) || epoch == 0)
                    {
                        problem = "missing or invalid key epoch";
                        return false;
                    }
                }
                else if (encrypted.Attribute("epoch") is not null
                    || !TryPeerKey(sessionKey!, out wrapAlgorithm, out ephemeralPoint, out wrappedKey, out problem))
                {
                    problem = problem.Length == 0 ? "peer envelope carries a room epoch" : problem;
                    return false;
                }
                if (!TryBase64Leaf(encrypted, options.MaxPayloadBytes + EnvelopeCrypto.TagLength, out body, out problem))
                {
                    return false;
                }
                if (body.Length < EnvelopeCrypto.TagLength)
                {
                    problem = "ciphertext shorter than its tag";
                    return false;
                }
                if (mode == EnvelopeMode.Peer)
                {
                    keyBlock = KeyBlocks.Peer(wrapAlgorithm, ephemeralPoint, wrappedKey);
                }
                break;

            default:
                if (encrypted is not null)
                {
                    problem = "signed-only envelope carries ciphertext";
                    return false;
                }
                if (type == EnvelopeType.KeyDistribution)
                {
                    if (sessionKey is null || presence is not null)
                    {
                        problem = "key distribution needs <sessionkey>";
                        return false;
                    }
                    if (!TryDistribution(sessionKey, options, out room, out epoch, out ephemeralPoint, out entries, out problem))
                    {
                        return false;
                    }
                    keyBlock = KeyBlocks.Distribution(room, ephemeralPoint, entries);
                    body = [];
                }
                else
                {
                    if (presence is null || sessionKey is not null)
                    {
                        problem = "signed presence needs <load xmlns='urn:clevercloud:presence:1'>";
                        return false;
                    }
                    availability = (string?)presence.Attribute("availability") ?? string.Empty;
                    if (availability.Length is 0 or > 32 || presence.HasElements || presence.Value.Length > options.MaxPayloadBytes)
                    {
                        problem = "invalid presence availability or load";
                        return false;
                    }
                    loadJson = presence.Value;
                    body = KeyBlocks.PresenceBody(availability, CanonicalEncoding.StrictUtf8.GetBytes(loadJson));
                }
                break;
        }

        envelope = new ParsedEnvelope
        {
            Header = new CanonicalHeader(mode, type, signatureAlgorithm, sender, recipient, id, milliseconds, nonce, counter, epoch),
            Signature = signature,
            KeyBlock = keyBlock,
            Body = body,
            WrapAlgorithm = wrapAlgorithm,
            EphemeralPoint = ephemeralPoint,
            WrappedKey = wrappedKey,
            DistributionRoom = room,
            Entries = entries,
            Availability = availability,
            LoadJson = loadJson,
        };
        problem = string.Empty;
        return true;
    }

    private static bool TryAddress(XElement element, string attribute, SecurityOptions options, out string address, out string problem)
    {
        address = (string?)element.Attribute(attribute) ?? string.Empty;
        if (address.Length == 0 || address.Length > options.MaxAddressLength || address.Contains('/'))
        {
            problem = $"missing, oversized or non-bare '{attribute}' address";
            return false;
        }
        problem = string.Empty;
        return true;
    }

    private static bool TryTimestamp(XElement timestamp, out long milliseconds, out UInt128 nonce, out ulong counter, out string problem)
    {
        milliseconds = 0;
        nonce = 0;
        counter = 0;
        var stamp = (string?)timestamp.Attribute("stamp");
        if (stamp is null || stamp.Length != 24 || !DateTimeOffset.TryParseExact(stamp, EnvelopeNames.StampFormat,
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            problem = "missing or malformed timestamp";
            return false;
        }
        milliseconds = time.ToUnixTimeMilliseconds();
        var nonceText = (string?)timestamp.Attribute("nonce");
        Span<byte> nonceBytes = stackalloc byte[CanonicalEncoding.NonceLength];
        if (nonceText is null || nonceText.Length != 24
            || !Convert.TryFromBase64String(nonceText, nonceBytes, out var written) || written != CanonicalEncoding.NonceLength)
        {
            problem = "missing or malformed nonce";
            return false;
        }
        nonce = BinaryPrimitives.ReadUInt128BigEndian(nonceBytes);
        var counterText = (string?)timestamp.Attribute("counter");
        if (counterText is null || counterText.Length > 20
            || !ulong.TryParse(counterText, NumberStyles.None, CultureInfo.InvariantCulture, out counter))
        {
            problem = "missing or malformed counter";
            return false;
        }
        problem = string.Empty;
        return true;
    }

    private static bool TryPeerKey(XElement sessionKey, out KeyWrapAlgorithm algorithm, out byte[] ephemeralPoint,
        out byte[] wrappedKey, out string problem)
    {
        ephemeralPoint = [];
        wrappedKey = [];
        if (!EnvelopeWireNames.TryParseKeyWrap((string?)sessionKey.Attribute("alg"), out algorithm))
        {
            problem = "unknown key wrap algorithm for a one-to-one message";
            return false;
        }
        if (algorithm != KeyWrapAlgorithm.EcdhEsHkdfA256Gcm && sessionKey.Attribute("epk") is not null)
        {
            // Only ECDH-ES carries an ephemeral key: one beside another algorithm is a malformed envelope.
            problem = "ephemeral key on a " + algorithm.ToWire() + " key";
            return false;
        }
        if (!TryEphemeral(sessionKey, algorithm == KeyWrapAlgorithm.EcdhEsHkdfA256Gcm, out ephemeralPoint, out problem)
            || !TryBase64Leaf(sessionKey, EnvelopeCrypto.MaxWrappedKeyLength, out wrappedKey, out problem))
        {
            return false;
        }
        return true;
    }

    private static bool TryEphemeral(XElement element, bool required, out byte[] point, out string problem)
    {
        point = [];
        var text = (string?)element.Attribute("epk");
        if (text is null)
        {
            problem = required ? "missing ephemeral key" : string.Empty;
            return !required;
        }
        if (text.Length != 88 || !TryBase64(text, EnvelopeCrypto.EcPointLength, out point)
            || point.Length != EnvelopeCrypto.EcPointLength || point[0] != 0x04)
        {
            problem = "malformed ephemeral key";
            return false;
        }
        problem = string.Empty;
        return true;
    }

    private static bool TryDistribution(XElement sessionKey, SecurityOptions options, out string room, out uint epoch,
        out byte[] ephemeralPoint, out IReadOnlyList<WrappedKeyEntry> entries, out string problem)
    {
        entries = [];
        ephemeralPoint = [];
        epoch = 0;
        room = (string?)sessionKey.Attribute("room") ?? string.Empty;
        if (room.Length == 0 || room.Length > options.MaxAddressLength)
        {
            problem = "missing or oversized room";
            return false;
        }
        if (!TryUInt32(sessionKey.Attribute("epoch"), out epoch) || epoch == 0)
        {
            problem = "missing or invalid key epoch";
            return false;
        }
        var list = new List<WrappedKeyEntry>();
        var needsEphemeral = false;
        foreach (var child in sessionKey.Elements())
        {
            if (child.Name != EnvelopeNames.KeyEntryElement)
            {
                problem = "unexpected element inside <sessionkey>";
                return false;
            }
            if (list.Count == SecurityOptions.MaxKeyEntriesPerMessage)
            {
                problem = "too many wrapped keys";
                return false;
            }
            var member = (string?)child.Attribute("jid") ?? string.Empty;
            if (member.Length == 0 || member.Length > options.MaxAddressLength
                || !EnvelopeWireNames.TryParseKeyWrap((string?)child.Attribute("alg"), out var algorithm)
                || !TryBase64Leaf(child, EnvelopeCrypto.MaxWrappedKeyLength, out var wrapped, out _))
            {
                problem = "malformed wrapped key entry";
                return false;
            }
            needsEphemeral |= algorithm == KeyWrapAlgorithm.EcdhEsHkdfA256Gcm;
            list.Add(new WrappedKeyEntry(member, algorithm, wrapped));
        }
        if (list.Count == 0)
        {
            problem = "key distribution without keys";
            return false;
        }
        if (!TryEphemeral(sessionKey, needsEphemeral, out ephemeralPoint, out problem))
        {
            return false;
        }
        entries = list;
        return true;
    }

    private static bool TryUInt32(XAttribute? attribute, out uint value)
    {
        value = 0;
        var text = attribute?.Value;
        return text is { Length: > 0 and <= 10 } && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryBase64Leaf(XElement element, int maxBytes, out byte[] bytes, out string problem)
    {
        bytes = [];
        if (element.HasElements)
        {
            problem = $"<{element.Name.LocalName}> must hold only base64 text";
            return false;
        }
        if (!TryBase64(element.Value, maxBytes, out bytes))
        {
            problem = $"<{element.Name.LocalName}> holds truncated, oversized or invalid base64";
            return false;
        }
        problem = string.Empty;
        return true;
    }

    /// <summary>Decodes base64 (whitespace allowed, as XEP-0027 wraps lines) after capping the text length.</summary>
    private static bool TryBase64(string text, int maxBytes, out byte[] bytes)
    {
        bytes = [];
        var maxChars = ((maxBytes + 2) / 3 * 4) + (maxBytes / 32) + 64;
        if (text.Length == 0 || text.Length > maxChars)
        {
            return false;
        }
        var buffer = new byte[text.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written) || written == 0 || written > maxBytes)
        {
            return false;
        }
        bytes = written == buffer.Length ? buffer : buffer.AsSpan(0, written).ToArray();
        return true;
    }
}
