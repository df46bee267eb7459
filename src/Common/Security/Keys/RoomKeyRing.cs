using System.Security.Cryptography;

namespace CleverCloud.Security.Keys;

/// <summary>
/// A member's room session keys: the current epoch, and the previous epoch for a grace period so messages sealed
/// just before a re-key still open. Nothing older than current-1 is ever accepted, and nothing is ever installed
/// over a newer epoch. Thread-safe.
/// </summary>
public sealed class RoomKeyRing : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _grace;
    private EpochKey? _current;
    private EpochKey? _previous;
    private DateTimeOffset _previousUsableUntil;

    public RoomKeyRing(string roomJid, TimeSpan previousEpochGrace, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(roomJid);
        ArgumentNullException.ThrowIfNull(time);
        RoomJid = roomJid;
        _grace = previousEpochGrace;
        _time = time;
    }

    /// <summary>The room's bare JID (the recipient of room traffic).</summary>
    public string RoomJid { get; }

    /// <summary>The current epoch; 0 when no key has been installed yet.</summary>
    public uint CurrentEpoch
    {
        get
        {
            lock (_gate)
            {
                return _current?.Epoch ?? 0;
            }
        }
    }

    /// <summary>Installs a newer epoch's key; the former current one stays usable for the grace period.</summary>
    /// <returns>False (and nothing changes) when <paramref name="epoch"/> is not newer than the current epoch.</returns>
    public bool TryInstall(uint epoch, ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("room keys are 32 bytes (AES-256)", nameof(key));
        }
        lock (_gate)
        {
            if (epoch == 0 || (_current is { } current && epoch <= current.Epoch))
            {
                return false;
            }
            _previous?.Dispose();
            _previous = _current is { } former && former.Epoch == epoch - 1 ? former : null;
            if (_previous is null)
            {
                _current?.Dispose();
            }
            _previousUsableUntil = _time.GetUtcNow() + _grace;
            _current = new EpochKey(epoch, key.ToArray());
            return true;
        }
    }

    /// <summary>True when <paramref name="epoch"/> is the current epoch and its key is <paramref name="key"/> (a re-delivery).</summary>
    public bool IsCurrentKey(uint epoch, ReadOnlySpan<byte> key)
    {
        lock (_gate)
        {
            return _current is { } current && current.Epoch == epoch && CryptographicOperations.FixedTimeEquals(current.Key, key);
        }
    }

    /// <summary>Forgets every key (the agent left the room or was removed).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _current?.Dispose();
            _previous?.Dispose();
            _current = _previous = null;
        }
    }

    public void Dispose() => Clear();

    internal bool TryGetCurrent(Span<byte> key, out uint epoch)
    {
        lock (_gate)
        {
            if (_current is not { } current)
            {
                epoch = 0;
                return false;
            }
            current.Key.CopyTo(key);
            epoch = current.Epoch;
            return true;
        }
    }

    /// <summary>Looks up the key of an epoch for decryption, copying it out so a concurrent re-key cannot zero it mid-use.</summary>
    internal EpochLookup TryGetForDecryption(uint epoch, Span<byte> key)
    {
        lock (_gate)
        {
            if (_current is not { } current || epoch > current.Epoch)
            {
                return EpochLookup.Unknown;
            }
            if (epoch == current.Epoch)
            {
                current.Key.CopyTo(key);
                return EpochLookup.Found;
            }
            if (_previous is { } previous && epoch == previous.Epoch && _time.GetUtcNow() < _previousUsableUntil)
            {
                previous.Key.CopyTo(key);
                return EpochLookup.Found;
            }
            return EpochLookup.TooOld;
        }
    }

    /// <summary>Where a key-distribution epoch stands against this ring, before any unwrapping.</summary>
    internal bool IsNewer(uint epoch)
    {
        lock (_gate)
        {
            return epoch > (_current?.Epoch ?? 0);
        }
    }

    private sealed class EpochKey(uint epoch, byte[] key) : IDisposable
    {
        public uint Epoch { get; } = epoch;
        public byte[] Key { get; } = key;

        public void Dispose() => CryptographicOperations.ZeroMemory(Key);
    }
}

internal enum EpochLookup
{
    Found,
    Unknown,
    TooOld,
}
