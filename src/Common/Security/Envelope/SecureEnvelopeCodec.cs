using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Policy;
using CleverCloud.Security.Replay;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Security.Envelope;

/// <summary>
/// Seals and opens the secure envelope of paper §V-A (Signed, Encrypted, Session Key, Timestamp) around opaque
/// payload bytes. Encrypt-then-sign: the signature covers the canonical header and the ciphertext, so a receiver
/// verifies the sender before it decrypts anything; the header is also the AEAD associated data, and it names the
/// sender, so a signature stripped and replaced by another key's no longer matches the sender the ciphertext was
/// sealed for.
/// Opening runs, in order: parse and size caps → header agrees with the transport → sender certificate → signature
/// → sender policy → timestamp window → replay check → key epoch → decryption → replay commit. The first failing
/// step rejects with its numbered reason, logs, counts, and changes nothing.
/// </summary>
public sealed class SecureEnvelopeCodec : IDisposable
{
    // The bare JID never changes; the keys do, on certificate renewal (UseIdentity). Each operation reads the local
    // state once so that header algorithm, signature and key unwrapping always belong to the same key.
    private readonly string _bareJid;
    private LocalState _local;
    private readonly List<LocalState> _retired = [];
    private readonly IPeerCertificateResolver _resolver;
    private readonly RoomKeyRing _roomKeys;
    private readonly SenderPolicy _policy;
    private readonly SecurityOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReplayGuard _replay;
    private long _counter;

    public SecureEnvelopeCodec(
        SecurityIdentity identity,
        IPeerCertificateResolver resolver,
        RoomKeyRing roomKeys,
        SenderPolicy policy,
        SecurityOptions options,
        SecurityCounters counters,
        TimeProvider time,
        ILogger<SecureEnvelopeCodec> logger)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(roomKeys);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _bareJid = identity.BareJid;
        _resolver = resolver;
        _roomKeys = roomKeys;
        _policy = policy;
        _options = options;
        Counters = counters;
        _time = time;
        _logger = logger;
        _local = new LocalState(identity);
        _replay = new ReplayGuard(options.FreshnessWindow + options.FutureTolerance, options.MaxTrackedSenders,
            options.MaxNoncesPerSender);
        // The counter survives restarts without storage: it starts at the current time in microseconds, which is
        // above every counter the previous run could have used unless it sent over a million messages per second.
        _counter = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
    }

    public SecurityIdentity Identity => Volatile.Read(ref _local).Identity;

    /// <summary>
    /// Switches to a renewed certificate and its key (same address, same role): everything sealed from now on is
    /// signed with it, and keys wrapped for it can be unwrapped. Replay state and room keys are kept.
    /// </summary>
    public void UseIdentity(SecurityIdentity renewed)
    {
        ArgumentNullException.ThrowIfNull(renewed);
        var current = Volatile.Read(ref _local);
        if (!string.Equals(renewed.BareJid, _bareJid, StringComparison.Ordinal) || renewed.Role != current.Identity.Role)
        {
            throw new ArgumentException($"a renewed identity keeps address and role ({_bareJid}, {current.Identity.Role}); got {renewed.BareJid}, {renewed.Role}", nameof(renewed));
        }
        if (renewed.Certificate.RawDataMemory.Span.SequenceEqual(current.Identity.Certificate.RawDataMemory.Span))
        {
            return;
        }
        var next = new LocalState(renewed);
        lock (_retired)
        {
            // The previous keys may still be in use by an operation that read them: disposed with the codec, not now.
            _retired.Add(current);
            Volatile.Write(ref _local, next);
        }
    }

    public RoomKeyRing RoomKeys => _roomKeys;

    public SecurityCounters Counters { get; }

    internal SecurityOptions Options => _options;

    internal TimeProvider Time => _time;

    internal ILogger Logger => _logger;

    /// <summary>Senders whose replay state is held (bounded by <see cref="SecurityOptions.MaxTrackedSenders"/>).</summary>
    public int TrackedSenders => _replay.TrackedSenders;

    // ───────────────────────────── sealing ─────────────────────────────

    /// <summary>
    /// Seals a command, reply or event for the room under the current room key. Returns the children to add to the
    /// groupchat &lt;message&gt;: envelope header, timestamp, jabber:x:encrypted, jabber:x:signed.
    /// </summary>
    /// <exception cref="SecureEnvelopeException">No room key yet (NoSessionKey) or payload too large (PayloadTooLarge).</exception>
    public IReadOnlyList<XElement> SealForRoom(EnvelopeHeader header, ReadOnlySpan<byte> payload)
    {
        var local = Volatile.Read(ref _local);
        ValidateOutgoing(header, payload.Length);
        if (!string.Equals(header.Recipient, _roomKeys.RoomJid, StringComparison.Ordinal))
        {
            throw new ArgumentException($"room traffic goes to {_roomKeys.RoomJid}, not {header.Recipient}", nameof(header));
        }
        Span<byte> epochKey = stackalloc byte[EnvelopeCrypto.KeyLength];
        Span<byte> messageKey = stackalloc byte[EnvelopeCrypto.KeyLength];
        Span<byte> nonce = stackalloc byte[CanonicalEncoding.NonceLength];
        try
        {
            if (!_roomKeys.TryGetCurrent(epochKey, out var epoch))
            {
                throw new SecureEnvelopeException(ErrorCode.NoSessionKey, $"no session key for {_roomKeys.RoomJid} yet");
            }
            RandomNumberGenerator.Fill(nonce);
            EnvelopeCrypto.DeriveRoomMessageKey(epochKey, nonce, messageKey);
            var canonical = NewHeader(local, EnvelopeMode.Room, header.Type, header.Recipient, header.MessageId, nonce, epoch);
            var signed = new byte[CanonicalEncoding.SignedLength(canonical, 0, payload.Length + EnvelopeCrypto.TagLength)];
            var bodyOffset = CanonicalEncoding.WriteHeader(signed, canonical, [], payload.Length + EnvelopeCrypto.TagLength);
            EnvelopeCrypto.EncryptContent(messageKey, payload, signed.AsSpan(0, bodyOffset), signed.AsSpan(bodyOffset));
            var signature = EnvelopeCrypto.Sign(local.Keys, signed);
            return
            [
                HeaderElement(canonical),
                TimestampElement(canonical),
                new XElement(EnvelopeNames.EncryptedElement,
                    new XAttribute("alg", EnvelopeWireNames.ContentAlgorithm),
                    new XAttribute("epoch", epoch.ToString(CultureInfo.InvariantCulture)),
                    Convert.ToBase64String(signed.AsSpan(bodyOffset))),
                SignatureElement(local, signature),
            ];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(epochKey);
            CryptographicOperations.ZeroMemory(messageKey);
        }
    }

    /// <summary>
    /// Seals a command, reply or event for one peer: a fresh AES-256-GCM key encrypts the payload and is wrapped for
    /// <paramref name="recipientCertificate"/> (for P-256, under the cached pairwise key of the two certificates or
    /// ECDH-ES, per <see cref="SecurityOptions.PeerKeyWrap"/>; RSA-OAEP-SHA256 for RSA). Returns the
    /// children to add to the &lt;message&gt;: header, timestamp, sessionkey, jabber:x:encrypted, jabber:x:signed.
    /// </summary>
    public IReadOnlyList<XElement> SealForPeer(EnvelopeHeader header, ReadOnlySpan<byte> payload, X509Certificate2 recipientCertificate)
    {
        var local = Volatile.Read(ref _local);
        ArgumentNullException.ThrowIfNull(recipientCertificate);
        ValidateOutgoing(header, payload.Length);
        var (address, _) = CertificateIdentity.Read(recipientCertificate);
        if (!string.Equals(address, header.Recipient, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the recipient certificate belongs to '{address}', not '{header.Recipient}'", nameof(recipientCertificate));
        }
        var recipientKeys = EnvelopeCrypto.KeysOf(recipientCertificate);
        Span<byte> contentKey = stackalloc byte[EnvelopeCrypto.KeyLength];
        Span<byte> nonce = stackalloc byte[CanonicalEncoding.NonceLength];
        try
        {
            RandomNumberGenerator.Fill(contentKey);
            RandomNumberGenerator.Fill(nonce);
            var (algorithm, ephemeralPoint, wrapped) =
                _options.PeerKeyWrap == PeerKeyWrapMode.PairwiseStatic && local.Keys.Ecdh is not null && recipientKeys.Ecdsa is not null
                    ? (KeyWrapAlgorithm.EcdhSsHkdfA256Gcm, [], EnvelopeCrypto.WrapPairwise(
                        PeerPairwiseKeyWith(local, recipientCertificate, recipientKeys, header.Recipient), nonce,
                        EnvelopeCrypto.WrapContext(header.Recipient, MessageWrapPurpose), contentKey))
                    : WrapFor(recipientKeys, header.Recipient, MessageWrapPurpose, contentKey, null, null);
            var keyBlock = KeyBlocks.Peer(algorithm, ephemeralPoint, wrapped);
            var canonical = NewHeader(local, EnvelopeMode.Peer, header.Type, header.Recipient, header.MessageId, nonce, 0);
            var bodyLength = payload.Length + EnvelopeCrypto.TagLength;
            var signed = new byte[CanonicalEncoding.SignedLength(canonical, keyBlock.Length, bodyLength)];
            var bodyOffset = CanonicalEncoding.WriteHeader(signed, canonical, keyBlock, bodyLength);
            EnvelopeCrypto.EncryptContent(contentKey, payload, signed.AsSpan(0, bodyOffset), signed.AsSpan(bodyOffset));
            var signature = EnvelopeCrypto.Sign(local.Keys, signed);
            var sessionKey = new XElement(EnvelopeNames.SessionKeyElement, new XAttribute("alg", algorithm.ToWire()));
            if (ephemeralPoint.Length > 0)
            {
                sessionKey.Add(new XAttribute("epk", Convert.ToBase64String(ephemeralPoint)));
            }
            sessionKey.Add(Convert.ToBase64String(wrapped));
            return
            [
                HeaderElement(canonical),
                TimestampElement(canonical),
                sessionKey,
                new XElement(EnvelopeNames.EncryptedElement, new XAttribute("alg", EnvelopeWireNames.ContentAlgorithm),
                    Convert.ToBase64String(signed.AsSpan(bodyOffset))),
                SignatureElement(local, signature),
            ];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(contentKey);
        }
    }

    /// <summary>
    /// Signs this agent's presence (availability, e.g. "available"/"away", and the load JSON) for
    /// <paramref name="recipient"/> (the room). Returns the children to add to &lt;presence&gt;: header, timestamp,
    /// &lt;load xmlns='urn:clevercloud:presence:1'&gt; and jabber:x:signed. Re-publish at least every half
    /// <see cref="SecurityOptions.FreshnessWindow"/>: the room replays the last presence to joiners, and an old one is stale.
    /// </summary>
    public IReadOnlyList<XElement> SignPresence(string recipient, string availability, string loadJson)
    {
        var local = Volatile.Read(ref _local);
        ArgumentException.ThrowIfNullOrWhiteSpace(recipient);
        ArgumentException.ThrowIfNullOrWhiteSpace(availability);
        ArgumentNullException.ThrowIfNull(loadJson);
        if (availability.Length > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(availability), "at most 32 characters");
        }
        var loadUtf8 = CanonicalEncoding.StrictUtf8.GetBytes(loadJson);
        if (loadUtf8.Length > _options.MaxPayloadBytes)
        {
            throw new SecureEnvelopeException(ErrorCode.PayloadTooLarge, $"presence load exceeds {_options.MaxPayloadBytes} bytes");
        }
        Span<byte> nonce = stackalloc byte[CanonicalEncoding.NonceLength];
        RandomNumberGenerator.Fill(nonce);
        var canonical = NewHeader(local, EnvelopeMode.SignedOnly, EnvelopeType.Presence, recipient,
            "presence-" + Convert.ToHexStringLower(nonce[..8]), nonce, 0);
        var signed = CanonicalEncoding.Build(canonical, [], KeyBlocks.PresenceBody(availability, loadUtf8));
        var signature = EnvelopeCrypto.Sign(local.Keys, signed);
        return
        [
            HeaderElement(canonical),
            TimestampElement(canonical),
            new XElement(EnvelopeNames.PresenceElement, new XAttribute("availability", availability), loadJson),
            SignatureElement(local, signature),
        ];
    }

    /// <summary>One key-distribution message: the room key of <paramref name="epoch"/> wrapped for each member.</summary>
    internal IReadOnlyList<XElement> SealKeyDistribution(string recipient, string messageId, uint epoch,
        ReadOnlySpan<byte> roomKey, IReadOnlyList<RoomMember> members)
    {
        var local = Volatile.Read(ref _local);
        Span<byte> nonce = stackalloc byte[CanonicalEncoding.NonceLength];
        RandomNumberGenerator.Fill(nonce);
        var purpose = DistributionWrapPurpose(_roomKeys.RoomJid, epoch);
        var entries = new WrappedKeyEntry[members.Count];
        var pairwise = _options.RoomKeyWrap == RoomKeyWrapMode.PairwiseStatic && local.Keys.Ecdh is not null;
        // Ephemeral mode: one ephemeral key for the whole batch (as CMS KeyAgreeRecipientInfo does for several
        // recipients); each member's wrapping key still differs, because ECDH runs against that member's own static
        // key and the HKDF info names the member.
        ECDiffieHellman? ephemeral = null;
        byte[] ephemeralPoint = [];
        try
        {
            for (var i = 0; i < members.Count; i++)
            {
                var member = members[i];
                var keys = EnvelopeCrypto.KeysOf(member.Certificate);
                if (pairwise && keys.Ecdsa is not null)
                {
                    var pairwiseKey = PairwiseKeyWith(local, member.Certificate, keys, _bareJid, member.BareJid);
                    entries[i] = new WrappedKeyEntry(member.BareJid, KeyWrapAlgorithm.EcdhSsHkdfA256Gcm,
                        EnvelopeCrypto.WrapPairwise(pairwiseKey, nonce, EnvelopeCrypto.WrapContext(member.BareJid, purpose), roomKey));
                    continue;
                }
                if (keys.Ecdsa is not null && ephemeral is null)
                {
                    ephemeral = EnvelopeCrypto.CreateEphemeral(out ephemeralPoint);
                }
                var (algorithm, _, wrapped) = WrapFor(keys, member.BareJid, purpose, roomKey, ephemeral, ephemeralPoint);
                entries[i] = new WrappedKeyEntry(member.BareJid, algorithm, wrapped);
            }
        }
        finally
        {
            ephemeral?.Dispose();
        }
        var keyBlock = KeyBlocks.Distribution(_roomKeys.RoomJid, ephemeralPoint, entries);
        var canonical = NewHeader(local, EnvelopeMode.SignedOnly, EnvelopeType.KeyDistribution, recipient, messageId, nonce, epoch);
        var signed = CanonicalEncoding.Build(canonical, keyBlock, []);
        var signature = EnvelopeCrypto.Sign(local.Keys, signed);
        var sessionKey = new XElement(EnvelopeNames.SessionKeyElement,
            new XAttribute("room", _roomKeys.RoomJid),
            new XAttribute("epoch", epoch.ToString(CultureInfo.InvariantCulture)));
        if (ephemeralPoint.Length > 0)
        {
            sessionKey.Add(new XAttribute("epk", Convert.ToBase64String(ephemeralPoint)));
        }
        foreach (var entry in entries)
        {
            sessionKey.Add(new XElement(EnvelopeNames.KeyEntryElement,
                new XAttribute("jid", entry.Member),
                new XAttribute("alg", entry.Algorithm.ToWire()),
                Convert.ToBase64String(entry.WrappedKey)));
        }
        return [HeaderElement(canonical), TimestampElement(canonical), sessionKey, SignatureElement(local, signature)];
    }

    // ───────────────────────────── opening ─────────────────────────────

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _lastRefetch = new(StringComparer.Ordinal);

    /// <summary>True when the sender's certificate was not looked up again in the last minute (bounded table).</summary>
    private bool MayRefetch(string sender)
    {
        var now = _time.GetTimestamp();
        var interval = _time.TimestampFrequency * 60;
        if (_lastRefetch.TryGetValue(sender, out var last) && now - last < interval)
        {
            return false;
        }
        if (_lastRefetch.Count >= _options.MaxTrackedSenders)
        {
            _lastRefetch.Clear();
        }
        _lastRefetch[sender] = now;
        return true;
    }

    /// <summary>
    /// Verifies and opens a command, reply, event or key distribution.
    /// </summary>
    /// <param name="stanza">The received &lt;message&gt; (any XElement holding the envelope children).</param>
    /// <param name="senderBareJid">The sender's real bare JID, as the transport knows it (for room traffic, the
    /// occupant's real JID from the non-anonymous room). Must equal the signed sender.</param>
    /// <param name="recipient">What the stanza was addressed to: the room's bare JID for groupchat, this agent's bare
    /// JID for one-to-one. Must equal the signed recipient.</param>
    /// <returns>Accepted with the payload (for key distribution: the key is installed into the ring and
    /// <see cref="OpenedEnvelope.InstalledKeyEpoch"/> says which epoch), or rejected with a 2xx reason.</returns>
    public async ValueTask<OpenResult> OpenAsync(XElement stanza, string senderBareJid, string recipient, CancellationToken cancellationToken)
    {
        var verification = await VerifyAsync(stanza, senderBareJid, recipient, presence: false, cancellationToken).ConfigureAwait(false);
        if (verification.Rejection is { } rejection)
        {
            return OpenResult.Rejected(rejection.Code, rejection.Detail);
        }
        var verified = verification.Verified!;
        return verified.Parsed.Header.Type == EnvelopeType.KeyDistribution
            ? InstallRoomKey(verified)
            : Decrypt(verified);
    }

    /// <summary>Verifies a signed presence (the CM checks each HM's availability and load with it).</summary>
    public async ValueTask<PresenceResult> VerifyPresenceAsync(XElement presence, string senderBareJid, string recipient,
        CancellationToken cancellationToken)
    {
        var verification = await VerifyAsync(presence, senderBareJid, recipient, presence: true, cancellationToken).ConfigureAwait(false);
        if (verification.Rejection is { } rejection)
        {
            return PresenceResult.Rejected(rejection.Code, rejection.Detail);
        }
        var verified = verification.Verified!;
        if (Commit(verified) is { } replay)
        {
            return PresenceResult.Rejected(replay.Code, replay.Detail);
        }
        var header = verified.Parsed.Header;
        Accept(verified);
        return PresenceResult.Accepted(new SignedPresence(header.Sender, verified.Role, verified.Parsed.Availability,
            verified.Parsed.LoadJson, DateTimeOffset.FromUnixTimeMilliseconds(header.TimestampMilliseconds), verified.Signer));
    }

    private async ValueTask<Verification> VerifyAsync(XElement stanza, string senderBareJid, string recipient, bool presence,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stanza);
        ArgumentNullException.ThrowIfNull(senderBareJid);
        ArgumentNullException.ThrowIfNull(recipient);
        cancellationToken.ThrowIfCancellationRequested();

        if (!EnvelopeParser.TryParse(stanza, _options, out var parsed, out var problem))
        {
            return Reject(ErrorCode.MalformedEnvelope, senderBareJid, "?", problem);
        }
        var header = parsed.Header;
        if ((header.Type == EnvelopeType.Presence) != presence)
        {
            return Reject(ErrorCode.MalformedEnvelope, senderBareJid, header.MessageId,
                presence ? "not a signed presence" : "a presence goes through VerifyPresenceAsync");
        }
        if (!string.Equals(header.Sender, senderBareJid, StringComparison.Ordinal))
        {
            return Reject(ErrorCode.TamperedHeader, senderBareJid, header.MessageId, $"signed sender '{header.Sender}' is not the transport sender");
        }
        if (!string.Equals(header.Recipient, recipient, StringComparison.Ordinal) || !IsOurAddress(header, recipient))
        {
            return Reject(ErrorCode.TamperedHeader, senderBareJid, header.MessageId, $"signed recipient '{header.Recipient}' is not this agent or room");
        }

        var peer = await _resolver.ResolveAsync(senderBareJid, cancellationToken).ConfigureAwait(false);
    resolved:
        if (!peer.IsValid || peer.Certificate is null || peer.Role is null)
        {
            var code = peer.Status switch
            {
                PeerCertificateStatus.Unknown => ErrorCode.UnknownSigner,
                PeerCertificateStatus.Expired => ErrorCode.CertificateExpired,
                PeerCertificateStatus.Revoked => ErrorCode.CertificateRevoked,
                _ => ErrorCode.UntrustedCertificate,
            };
            return Reject(code, senderBareJid, header.MessageId, $"sender certificate {peer.Status}: {peer.Reason}");
        }

        // Defence in depth: the resolver validated the certificate; it must still name this sender and this role.
        var signerKeys = EnvelopeCrypto.KeysOf(peer.Certificate);
        if (!string.Equals(signerKeys.Address, senderBareJid, StringComparison.Ordinal) || signerKeys.Role != peer.Role)
        {
            return Reject(ErrorCode.UntrustedCertificate, senderBareJid, header.MessageId,
                $"the resolved certificate names '{signerKeys.Address}' ({signerKeys.Role}), not the sender and its role");
        }

        byte[] signedBytes;
        try
        {
            signedBytes = CanonicalEncoding.Build(header, parsed.KeyBlock, parsed.Body);
        }
        catch (System.Text.EncoderFallbackException)
        {
            return Reject(ErrorCode.MalformedEnvelope, senderBareJid, header.MessageId, "field is not valid Unicode");
        }
        if (!EnvelopeCrypto.Verify(signerKeys, header.SignatureAlgorithm, signedBytes, parsed.Signature))
        {
            // The sender may have renewed its certificate since we cached it: look it up once more (at most once per
            // sender per NegativeCacheTtl-like interval, so forged traffic cannot turn into a directory flood).
            if (MayRefetch(senderBareJid))
            {
                _resolver.Invalidate(senderBareJid);
                var fresh = await _resolver.ResolveAsync(senderBareJid, cancellationToken).ConfigureAwait(false);
                if (fresh.Certificate is not null && !fresh.Certificate.RawDataMemory.Span.SequenceEqual(peer.Certificate.RawDataMemory.Span))
                {
                    SecurityLog.SignerCertificateRefetched(_logger, senderBareJid, fresh.Certificate.SerialNumber);
                    peer = fresh;
                    goto resolved;
                }
            }
            return Reject(ErrorCode.BadSignature, senderBareJid, header.MessageId, $"{header.SignatureAlgorithm.ToWire()} signature does not verify");
        }

        var role = peer.Role.Value;
        var policy = _policy.Check(header.Type, senderBareJid, role);
        if (policy != ErrorCode.None)
        {
            return Reject(policy, senderBareJid, header.MessageId, $"a {role.ToWire()} certificate may not send {header.Type.ToWire()} here");
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var age = now - header.TimestampMilliseconds;
        if (age > (long)_options.FreshnessWindow.TotalMilliseconds)
        {
            return Reject(ErrorCode.StaleTimestamp, senderBareJid, header.MessageId, $"timestamp {age} ms old");
        }
        if (-age > (long)_options.FutureTolerance.TotalMilliseconds)
        {
            return Reject(ErrorCode.FutureTimestamp, senderBareJid, header.MessageId, $"timestamp {-age} ms ahead");
        }
        var verdict = _replay.Check(senderBareJid, header.Nonce, header.Counter, now);
        if (verdict != ReplayVerdict.Fresh)
        {
            return RejectReplay(verdict, senderBareJid, header.MessageId);
        }
        return new Verification(new VerifiedEnvelope(parsed, signedBytes, peer.Certificate, role, now), null);
    }

    private bool IsOurAddress(in CanonicalHeader header, string recipient) => header.Mode switch
    {
        EnvelopeMode.Room => string.Equals(recipient, _roomKeys.RoomJid, StringComparison.Ordinal),
        EnvelopeMode.Peer => string.Equals(recipient, _bareJid, StringComparison.Ordinal),
        _ => string.Equals(recipient, _roomKeys.RoomJid, StringComparison.Ordinal)
            || string.Equals(recipient, _bareJid, StringComparison.Ordinal),
    };

    private OpenResult Decrypt(VerifiedEnvelope verified)
    {
        var parsed = verified.Parsed;
        var header = parsed.Header;
        var contentKey = new byte[EnvelopeCrypto.KeyLength];
        if (header.Mode == EnvelopeMode.Room)
        {
            Span<byte> epochKey = stackalloc byte[EnvelopeCrypto.KeyLength];
            var lookup = _roomKeys.TryGetForDecryption(header.KeyEpoch, epochKey);
            if (lookup != EpochLookup.Found)
            {
                CryptographicOperations.ZeroMemory(epochKey);
                return lookup == EpochLookup.TooOld
                    ? RejectOpen(ErrorCode.OldKeyEpoch, header, $"epoch {header.KeyEpoch} is older than current-1 or past its grace")
                    : RejectOpen(ErrorCode.NoSessionKey, header, $"no key for epoch {header.KeyEpoch} (current {_roomKeys.CurrentEpoch})");
            }
            Span<byte> nonce = stackalloc byte[CanonicalEncoding.NonceLength];
            BinaryPrimitives.WriteUInt128BigEndian(nonce, header.Nonce);
            EnvelopeCrypto.DeriveRoomMessageKey(epochKey, nonce, contentKey);
            CryptographicOperations.ZeroMemory(epochKey);
        }
        else if (!(parsed.WrapAlgorithm == KeyWrapAlgorithm.EcdhSsHkdfA256Gcm
                ? TryUnwrapPeerPairwise(verified, parsed.WrappedKey, contentKey)
                : TryUnwrap(parsed.WrapAlgorithm, parsed.EphemeralPoint, parsed.WrappedKey, _bareJid, MessageWrapPurpose, contentKey)))
        {
            CryptographicOperations.ZeroMemory(contentKey);
            return RejectOpen(ErrorCode.DecryptionFailed, header, "the content key does not unwrap with this agent's key");
        }

        var bodyOffset = verified.SignedBytes.Length - parsed.Body.Length;
        var payload = new byte[parsed.Body.Length - EnvelopeCrypto.TagLength];
        if (!EnvelopeCrypto.TryDecryptContent(contentKey, parsed.Body, verified.SignedBytes.AsSpan(0, bodyOffset), payload))
        {
            CryptographicOperations.ZeroMemory(contentKey);
            return RejectOpen(ErrorCode.DecryptionFailed, header, "authentication tag mismatch");
        }
        if (Commit(verified) is { } replay)
        {
            CryptographicOperations.ZeroMemory(payload);
            CryptographicOperations.ZeroMemory(contentKey);
            return OpenResult.Rejected(replay.Code, replay.Detail);
        }
        Accept(verified);
        return OpenResult.Accepted(new OpenedEnvelope(ToVerifiedHeader(header), verified.Role, payload,
            Evidence(verified, contentKey), null));
    }

    private OpenResult InstallRoomKey(VerifiedEnvelope verified)
    {
        var parsed = verified.Parsed;
        var header = parsed.Header;
        if (!string.Equals(parsed.DistributionRoom, _roomKeys.RoomJid, StringComparison.Ordinal))
        {
            return RejectOpen(ErrorCode.TamperedHeader, header, $"key for room '{parsed.DistributionRoom}', not {_roomKeys.RoomJid}");
        }
        WrappedKeyEntry? ours = null;
        foreach (var entry in parsed.Entries)
        {
            if (string.Equals(entry.Member, _bareJid, StringComparison.Ordinal))
            {
                ours = entry;
                break;
            }
        }
        if (ours is not { } own)
        {
            // A batch for other members: authentic, but nothing to install. Recorded so it cannot be replayed.
            if (Commit(verified) is { } replayed)
            {
                return OpenResult.Rejected(replayed.Code, replayed.Detail);
            }
            SecurityLog.KeyDistributionNotForUs(_logger, header.MessageId, header.KeyEpoch);
            Accept(verified);
            return OpenResult.Accepted(new OpenedEnvelope(ToVerifiedHeader(header), verified.Role, ReadOnlyMemory<byte>.Empty,
                Evidence(verified, []), null));
        }
        // The current epoch may come again: the moderator re-sends it to a member that renewed its certificate.
        var redelivery = header.KeyEpoch != 0 && header.KeyEpoch == _roomKeys.CurrentEpoch;
        if (!redelivery && !_roomKeys.IsNewer(header.KeyEpoch))
        {
            return RejectOpen(ErrorCode.OldKeyEpoch, header, $"epoch {header.KeyEpoch} is not newer than {_roomKeys.CurrentEpoch}");
        }
        Span<byte> roomKey = stackalloc byte[EnvelopeCrypto.KeyLength];
        try
        {
            var purpose = DistributionWrapPurpose(_roomKeys.RoomJid, header.KeyEpoch);
            var unwrapped = own.Algorithm == KeyWrapAlgorithm.EcdhSsHkdfA256Gcm
                ? TryUnwrapPairwise(verified, own.WrappedKey, purpose, roomKey)
                : TryUnwrap(own.Algorithm, parsed.EphemeralPoint, own.WrappedKey, _bareJid, purpose, roomKey);
            if (!unwrapped)
            {
                return RejectOpen(ErrorCode.DecryptionFailed, header, "the room key does not unwrap with this agent's key");
            }
            if (redelivery && !_roomKeys.IsCurrentKey(header.KeyEpoch, roomKey))
            {
                return RejectOpen(ErrorCode.OldKeyEpoch, header, $"a different key for the current epoch {header.KeyEpoch}");
            }
            if (Commit(verified) is { } replay)
            {
                return OpenResult.Rejected(replay.Code, replay.Detail);
            }
            if (redelivery)
            {
                Accept(verified);
                return OpenResult.Accepted(new OpenedEnvelope(ToVerifiedHeader(header), verified.Role, ReadOnlyMemory<byte>.Empty,
                    Evidence(verified, []), null));
            }
            if (!_roomKeys.TryInstall(header.KeyEpoch, roomKey))
            {
                return RejectOpen(ErrorCode.OldKeyEpoch, header, $"a newer epoch than {header.KeyEpoch} was installed meanwhile");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(roomKey);
        }
        SecurityLog.RoomKeyInstalled(_logger, header.KeyEpoch, _roomKeys.RoomJid, header.Sender);
        Accept(verified);
        return OpenResult.Accepted(new OpenedEnvelope(ToVerifiedHeader(header), verified.Role, ReadOnlyMemory<byte>.Empty,
            Evidence(verified, []), header.KeyEpoch));
    }

    // ───────────────────────────── helpers ─────────────────────────────

    private const string MessageWrapPurpose = "message";

    private static string DistributionWrapPurpose(string room, uint epoch) =>
        string.Create(CultureInfo.InvariantCulture, $"room-key {room} {epoch}");

    private (KeyWrapAlgorithm Algorithm, byte[] EphemeralPoint, byte[] Wrapped) WrapFor(EnvelopeCrypto.PeerKeys keys,
        string recipient, string purpose, ReadOnlySpan<byte> key, ECDiffieHellman? sharedEphemeral, byte[]? sharedPoint)
    {
        var context = EnvelopeCrypto.WrapContext(recipient, purpose);
        if (keys.Ecdh is { } recipientKey)
        {
            var ephemeral = sharedEphemeral;
            var point = sharedPoint;
            if (ephemeral is null)
            {
                ephemeral = EnvelopeCrypto.CreateEphemeral(out point);
            }
            try
            {
                lock (keys.Gate)
                {
                    return (KeyWrapAlgorithm.EcdhEsHkdfA256Gcm, point!,
                        EnvelopeCrypto.WrapEc(ephemeral, point, recipientKey, context, key));
                }
            }
            finally
            {
                if (sharedEphemeral is null)
                {
                    ephemeral.Dispose();
                }
            }
        }
        if (keys.Rsa is { } rsa)
        {
            lock (keys.Gate)
            {
                return (KeyWrapAlgorithm.RsaOaepSha256, [], EnvelopeCrypto.WrapRsa(rsa, key));
            }
        }
        throw new SecureEnvelopeException(ErrorCode.UntrustedCertificate,
            $"the certificate of {recipient} holds neither a P-256 nor an RSA-2048+ key");
    }

    private bool TryUnwrap(KeyWrapAlgorithm algorithm, byte[] ephemeralPoint, byte[] wrapped, string recipient, string purpose,
        Span<byte> key)
    {
        var local = Volatile.Read(ref _local);
        lock (local.Keys.Gate)
        {
            return algorithm switch
            {
                KeyWrapAlgorithm.EcdhEsHkdfA256Gcm => local.Keys.Ecdh is { } own
                    && EnvelopeCrypto.TryUnwrapEc(own, ephemeralPoint, EnvelopeCrypto.WrapContext(recipient, purpose), wrapped, key),
                KeyWrapAlgorithm.RsaOaepSha256 => local.Keys.Rsa is { } rsa && EnvelopeCrypto.TryUnwrapRsa(rsa, wrapped, key),
                _ => false,
            };
        }
    }

    private bool TryUnwrapPairwise(VerifiedEnvelope verified, byte[] wrapped, string purpose, Span<byte> roomKey)
    {
        var moderatorKeys = EnvelopeCrypto.KeysOf(verified.Signer);
        var local = Volatile.Read(ref _local);
        if (local.Keys.Ecdh is null || moderatorKeys.Ecdsa is null)
        {
            return false;
        }
        var pairwiseKey = PairwiseKeyWith(local, verified.Signer, moderatorKeys, verified.Parsed.Header.Sender, _bareJid);
        Span<byte> salt = stackalloc byte[CanonicalEncoding.NonceLength];
        BinaryPrimitives.WriteUInt128BigEndian(salt, verified.Parsed.Header.Nonce);
        return EnvelopeCrypto.TryUnwrapPairwise(pairwiseKey, salt, EnvelopeCrypto.WrapContext(_bareJid, purpose), wrapped, roomKey);
    }

    private bool TryUnwrapPeerPairwise(VerifiedEnvelope verified, byte[] wrapped, Span<byte> contentKey)
    {
        var senderKeys = EnvelopeCrypto.KeysOf(verified.Signer);
        var local = Volatile.Read(ref _local);
        if (local.Keys.Ecdh is null || senderKeys.Ecdsa is null)
        {
            return false;
        }
        var pairwiseKey = PeerPairwiseKeyWith(local, verified.Signer, senderKeys, verified.Parsed.Header.Sender);
        Span<byte> salt = stackalloc byte[CanonicalEncoding.NonceLength];
        BinaryPrimitives.WriteUInt128BigEndian(salt, verified.Parsed.Header.Nonce);
        return EnvelopeCrypto.TryUnwrapPairwise(pairwiseKey, salt, EnvelopeCrypto.WrapContext(_bareJid, MessageWrapPurpose), wrapped, contentKey);
    }

    /// <summary>
    /// The one-to-one pairwise key with the holder of <paramref name="peerCertificate"/> (whose address is
    /// <paramref name="peerAddress"/>), derived once per certificate and cached like the room-key one.
    /// </summary>
    private byte[] PeerPairwiseKeyWith(LocalState local, X509Certificate2 peerCertificate, EnvelopeCrypto.PeerKeys peerKeys, string peerAddress) =>
        local.PeerPairwiseKeys.GetValue(peerCertificate, _ =>
        {
            lock (local.Keys.Gate)
            {
                lock (peerKeys.Gate)
                {
                    return EnvelopeCrypto.DerivePeerPairwiseKey(local.Keys.Ecdh!, peerKeys.Ecdh!, _bareJid, peerAddress);
                }
            }
        });

    /// <summary>
    /// The pairwise key with the holder of <paramref name="peerCertificate"/>, derived once per certificate and cached
    /// (a renewed certificate is a new instance, hence a new key).
    /// </summary>
    private static byte[] PairwiseKeyWith(LocalState local, X509Certificate2 peerCertificate, EnvelopeCrypto.PeerKeys peerKeys, string moderator, string member) =>
        local.PairwiseKeys.GetValue(peerCertificate, _ =>
        {
            // Lock order everywhere: local keys, then peer keys.
            lock (local.Keys.Gate)
            {
                lock (peerKeys.Gate)
                {
                    return EnvelopeCrypto.DerivePairwiseKey(local.Keys.Ecdh!, peerKeys.Ecdh!, moderator, member);
                }
            }
        });

    private void ValidateOutgoing(EnvelopeHeader header, int payloadLength)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentException.ThrowIfNullOrWhiteSpace(header.Recipient);
        ArgumentException.ThrowIfNullOrWhiteSpace(header.MessageId);
        if (header.Type is not (EnvelopeType.Command or EnvelopeType.Reply or EnvelopeType.Event))
        {
            throw new ArgumentException("only commands, replies and events carry a payload", nameof(header));
        }
        if (header.MessageId.Length > _options.MaxMessageIdLength || header.Recipient.Length > _options.MaxAddressLength
            || header.Recipient.Contains('/'))
        {
            throw new ArgumentException("message id too long or recipient not a bare JID", nameof(header));
        }
        if (payloadLength > _options.MaxPayloadBytes)
        {
            throw new SecureEnvelopeException(ErrorCode.PayloadTooLarge, $"payload of {payloadLength} bytes exceeds {_options.MaxPayloadBytes}");
        }
    }

    private CanonicalHeader NewHeader(LocalState local, EnvelopeMode mode, EnvelopeType type, string recipient, string messageId,
        ReadOnlySpan<byte> nonce, uint epoch) =>
        new(mode, type, local.Keys.SignatureAlgorithm, _bareJid, recipient, messageId,
            _time.GetUtcNow().ToUnixTimeMilliseconds(), BinaryPrimitives.ReadUInt128BigEndian(nonce),
            (ulong)Interlocked.Increment(ref _counter), epoch);

    private static XElement HeaderElement(in CanonicalHeader header) => new(EnvelopeNames.HeaderElement,
        new XAttribute("v", "1"),
        new XAttribute("from", header.Sender),
        new XAttribute("to", header.Recipient),
        new XAttribute("id", header.MessageId),
        new XAttribute("type", header.Type.ToWire()),
        new XAttribute("mode", header.Mode.ToWire()));

    private static XElement TimestampElement(in CanonicalHeader header)
    {
        Span<byte> nonce = stackalloc byte[CanonicalEncoding.NonceLength];
        BinaryPrimitives.WriteUInt128BigEndian(nonce, header.Nonce);
        return new XElement(EnvelopeNames.TimestampElement,
            new XAttribute("stamp", DateTimeOffset.FromUnixTimeMilliseconds(header.TimestampMilliseconds)
                .ToString(EnvelopeNames.StampFormat, CultureInfo.InvariantCulture)),
            new XAttribute("nonce", Convert.ToBase64String(nonce)),
            new XAttribute("counter", header.Counter.ToString(CultureInfo.InvariantCulture)));
    }

    private static XElement SignatureElement(LocalState local, byte[] signature) => new(EnvelopeNames.SignedElement,
        new XAttribute("alg", local.Keys.SignatureAlgorithm.ToWire()), Convert.ToBase64String(signature));

    private static VerifiedHeader ToVerifiedHeader(in CanonicalHeader header) => new(header.Sender, header.Recipient,
        header.MessageId, header.Type, header.Mode, DateTimeOffset.FromUnixTimeMilliseconds(header.TimestampMilliseconds),
        header.Counter, header.KeyEpoch);

    private static EnvelopeEvidence Evidence(VerifiedEnvelope verified, byte[] contentKey) => new(verified.SignedBytes,
        verified.Parsed.Signature, verified.Parsed.Header.SignatureAlgorithm, verified.Signer, contentKey);

    private Rejection? Commit(VerifiedEnvelope verified)
    {
        var header = verified.Parsed.Header;
        var verdict = _replay.TryCommit(header.Sender, header.Nonce, header.Counter, header.TimestampMilliseconds, verified.CheckedAt);
        return verdict == ReplayVerdict.Fresh ? null : RejectReplay(verdict, header.Sender, header.MessageId).Rejection;
    }

    private void Accept(VerifiedEnvelope verified)
    {
        Counters.RecordAccepted();
        var header = verified.Parsed.Header;
        SecurityLog.EnvelopeAccepted(_logger, header.Type.ToWire(), header.MessageId, header.Sender, verified.Role.ToWire());
    }

    private Verification RejectReplay(ReplayVerdict verdict, string sender, string messageId)
    {
        if (verdict == ReplayVerdict.TableFull)
        {
            SecurityLog.ReplayTableFull(_logger, _options.MaxTrackedSenders, sender);
            return Reject(ErrorCode.Replay, sender, messageId, "replay table full of live senders");
        }
        return Reject(ErrorCode.Replay, sender, messageId, verdict == ReplayVerdict.BelowWindow
            ? "counter too far below the sender's highest accepted counter (outside the reorder window)"
            : "nonce or counter already seen");
    }

    private OpenResult RejectOpen(ErrorCode code, in CanonicalHeader header, string detail)
    {
        var rejection = Reject(code, header.Sender, header.MessageId, detail).Rejection!.Value;
        return OpenResult.Rejected(rejection.Code, rejection.Detail);
    }

    private Verification Reject(ErrorCode code, string sender, string messageId, string detail)
    {
        Counters.RecordRejected(code);
        SecurityLog.EnvelopeRejected(_logger, sender, messageId, code, (int)code, detail);
        return new Verification(null, new Rejection(code, detail));
    }

    public void Dispose()
    {
        lock (_retired)
        {
            foreach (var retired in _retired)
            {
                retired.Keys.Dispose();
            }
            _retired.Clear();
            Volatile.Read(ref _local).Keys.Dispose();
        }
    }

    /// <summary>The local certificate, its private keys, and the pairwise keys derived from them.</summary>
    private sealed class LocalState(SecurityIdentity identity)
    {
        public SecurityIdentity Identity { get; } = identity;

        public EnvelopeCrypto.LocalKeys Keys { get; } = EnvelopeCrypto.LocalKeys.Create(identity.Certificate);

        /// <summary>Per peer certificate (a renewed peer certificate is a new instance, hence a new key).</summary>
        public System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, byte[]> PairwiseKeys { get; } = new();

        /// <summary>The one-to-one counterparts of <see cref="PairwiseKeys"/>, per peer certificate.</summary>
        public System.Runtime.CompilerServices.ConditionalWeakTable<X509Certificate2, byte[]> PeerPairwiseKeys { get; } = new();
    }

    private readonly record struct Rejection(ErrorCode Code, string Detail);

    private readonly record struct Verification(VerifiedEnvelope? Verified, Rejection? Rejection);

    private sealed record VerifiedEnvelope(ParsedEnvelope Parsed, byte[] SignedBytes, X509Certificate2 Signer, AgentRole Role, long CheckedAt);
}
