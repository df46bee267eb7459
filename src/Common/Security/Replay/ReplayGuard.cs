namespace CleverCloud.Security.Replay;

/// <summary>
/// Replay defence per sender: a cache of the nonces seen inside the freshness window, and a sliding window over the
/// sender's monotonic counter (as IPsec/DTLS anti-replay: the highest counter plus a 64-bit bitmap below it, so
/// modest reordering between the room and direct paths is tolerated but a counter is never accepted twice).
/// Memory is bounded: nonces expire with the window and are capped per sender; senders are capped, expired ones
/// are evicted first, and when the table is full of live senders a new one is refused (fail closed) rather than
/// forgetting a live sender's state, which would reopen a replay gap.
/// Checking (<see cref="Check"/>) has no effect; only <see cref="TryCommit"/>, called once every other check passed,
/// records the message, atomically re-checking so two concurrent copies cannot both pass.
/// </summary>
internal sealed class ReplayGuard
{
    // Wide enough for the reordering that concurrent senders produce (agents keep up to 64 requests in flight per
    // peer, and the room and direct paths interleave); measured: a 64-message window refused valid pipelined commands.
    private const int CounterWindow = 1024;
    private const int WindowWords = CounterWindow / 64;

    private readonly Dictionary<string, SenderState> _senders = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly long _windowMilliseconds;
    private readonly int _maxSenders;
    private readonly int _maxNoncesPerSender;

    public ReplayGuard(TimeSpan window, int maxSenders, int maxNoncesPerSender)
    {
        _windowMilliseconds = (long)window.TotalMilliseconds;
        _maxSenders = maxSenders;
        _maxNoncesPerSender = maxNoncesPerSender;
    }

    public int TrackedSenders
    {
        get
        {
            lock (_gate)
            {
                return _senders.Count;
            }
        }
    }

    public ReplayVerdict Check(string sender, UInt128 nonce, ulong counter, long nowMilliseconds)
    {
        lock (_gate)
        {
            return CheckLocked(sender, nonce, counter, nowMilliseconds);
        }
    }

    public ReplayVerdict TryCommit(string sender, UInt128 nonce, ulong counter, long timestampMilliseconds, long nowMilliseconds)
    {
        lock (_gate)
        {
            var verdict = CheckLocked(sender, nonce, counter, nowMilliseconds);
            if (verdict != ReplayVerdict.Fresh)
            {
                return verdict;
            }
            if (!_senders.TryGetValue(sender, out var state))
            {
                state = new SenderState();
                _senders.Add(sender, state);
            }
            state.Record(nonce, counter, Math.Max(timestampMilliseconds, nowMilliseconds) + _windowMilliseconds,
                nowMilliseconds, _maxNoncesPerSender);
            return ReplayVerdict.Fresh;
        }
    }

    private ReplayVerdict CheckLocked(string sender, UInt128 nonce, ulong counter, long now)
    {
        if (!_senders.TryGetValue(sender, out var state))
        {
            if (_senders.Count >= _maxSenders && !EvictExpired(now))
            {
                return ReplayVerdict.TableFull;
            }
            return ReplayVerdict.Fresh;
        }
        state.Expire(now);
        return state.Judge(nonce, counter);
    }

    /// <summary>Drops senders with nothing inside the window; true when room was made.</summary>
    private bool EvictExpired(long now)
    {
        List<string>? expired = null;
        foreach (var (sender, state) in _senders)
        {
            if (state.LastExpiry <= now)
            {
                (expired ??= []).Add(sender);
            }
        }
        if (expired is null)
        {
            return false;
        }
        foreach (var sender in expired)
        {
            _senders.Remove(sender);
        }
        return true;
    }

    private sealed class SenderState
    {
        private readonly Dictionary<UInt128, long> _nonces = [];
        private readonly Queue<(UInt128 Nonce, long Expiry)> _expiryOrder = new();
        private bool _hasCounter;
        private ulong _highestCounter;
        // Bit d set: the counter (highest - d) was seen. Word 0 holds distances 0..63.
        private readonly ulong[] _seenBelowHighest = new ulong[WindowWords];

        public long LastExpiry { get; private set; }

        public ReplayVerdict Judge(UInt128 nonce, ulong counter)
        {
            if (_nonces.ContainsKey(nonce))
            {
                return ReplayVerdict.Replayed;
            }
            if (!_hasCounter || counter > _highestCounter)
            {
                return ReplayVerdict.Fresh;
            }
            var distance = _highestCounter - counter;
            // Too far below the highest counter to tell a replay from a late original: refused either way.
            return distance >= CounterWindow ? ReplayVerdict.BelowWindow
                : IsSet((int)distance) ? ReplayVerdict.Replayed : ReplayVerdict.Fresh;
        }

        public void Record(UInt128 nonce, ulong counter, long expiry, long now, int maxNonces)
        {
            Expire(now);
            while (_nonces.Count >= maxNonces && _expiryOrder.TryDequeue(out var oldest))
            {
                // Over the cap the oldest nonce goes first; the counter window still refuses its message.
                _nonces.Remove(oldest.Nonce);
            }
            _nonces[nonce] = expiry;
            _expiryOrder.Enqueue((nonce, expiry));
            LastExpiry = Math.Max(LastExpiry, expiry);

            if (!_hasCounter)
            {
                _hasCounter = true;
                _highestCounter = counter;
                Array.Clear(_seenBelowHighest);
                Set(0);
            }
            else if (counter > _highestCounter)
            {
                var shift = counter - _highestCounter;
                if (shift >= CounterWindow)
                    Array.Clear(_seenBelowHighest);
                else
                    ShiftTowardsOlder((int)shift);
                Set(0);
                _highestCounter = counter;
            }
            else if (_highestCounter - counter < CounterWindow)
            {
                Set((int)(_highestCounter - counter));
            }
        }

        private bool IsSet(int distance) => (_seenBelowHighest[distance >> 6] & (1UL << (distance & 63))) != 0;

        private void Set(int distance) => _seenBelowHighest[distance >> 6] |= 1UL << (distance & 63);

        /// <summary>A higher counter arrived: every recorded distance grows by <paramref name="shift"/> bits.</summary>
        private void ShiftTowardsOlder(int shift)
        {
            var words = shift >> 6;
            var bits = shift & 63;
            for (var i = WindowWords - 1; i >= 0; i--)
            {
                var source = i - words;
                var value = source >= 0 ? _seenBelowHighest[source] << bits : 0;
                if (bits != 0 && source - 1 >= 0)
                    value |= _seenBelowHighest[source - 1] >> (64 - bits);
                _seenBelowHighest[i] = value;
            }
        }

        public void Expire(long now)
        {
            while (_expiryOrder.TryPeek(out var oldest) && oldest.Expiry <= now)
            {
                _expiryOrder.Dequeue();
                if (_nonces.TryGetValue(oldest.Nonce, out var expiry) && expiry == oldest.Expiry)
                {
                    _nonces.Remove(oldest.Nonce);
                }
            }
        }
    }
}

internal enum ReplayVerdict
{
    Fresh,

    /// <summary>This nonce, or this counter, was already accepted from the sender.</summary>
    Replayed,

    /// <summary>The counter is more than the reorder window below the sender's highest accepted one.</summary>
    BelowWindow,

    TableFull,
}
