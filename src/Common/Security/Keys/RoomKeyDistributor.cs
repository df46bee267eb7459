using System.Globalization;
using System.Security.Cryptography;
using System.Xml.Linq;
using CleverCloud.Identity.Certificates;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Envelope;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Security.Keys;

/// <summary>One key-distribution message, ready to send: add <see cref="Elements"/> to a &lt;message&gt; to <see cref="Recipient"/>.</summary>
/// <param name="SendAfter">Offset from the first batch at which to send this one (pacing).</param>
public sealed record KeyDistributionBatch(
    uint Epoch,
    string Recipient,
    string MessageId,
    IReadOnlyList<string> Members,
    IReadOnlyList<XElement> Elements,
    TimeSpan SendAfter);

/// <summary>
/// The CM's side of the room session key (paper §V-A "Encrypted chat rooms": the moderator creates the room key and
/// sends it to each joining member encrypted with the member's public key). It creates epochs 1, 2, …, wraps the
/// current key for members in signed batches, and re-keys when a member leaves, is removed or revoked, and when the
/// key has lived <see cref="SecurityOptions.RoomKeyLifetime"/>. Batches carry a <c>SendAfter</c> offset so the
/// caller paces them (<see cref="SendPacedAsync"/>): re-keying a thousand hosts never bursts through the server,
/// and members keep the previous epoch for a grace period, so traffic sealed meanwhile still opens.
/// </summary>
public sealed class RoomKeyDistributor
{
    private readonly SecureEnvelopeCodec _codec;
    private readonly Lock _gate = new();
    private DateTimeOffset _rotatedAt;
    private long _batchSequence;

    /// <param name="codec">The CM's codec (its identity must hold the role=cm certificate; its ring is the room's).</param>
    public RoomKeyDistributor(SecureEnvelopeCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codec);
        if (codec.Identity.Role != AgentRole.ClusterManager)
        {
            throw new ArgumentException("only the cluster manager (role cm) distributes room keys", nameof(codec));
        }
        _codec = codec;
    }

    public uint CurrentEpoch => _codec.RoomKeys.CurrentEpoch;

    /// <summary>True when the current key has lived its lifetime (or no key exists yet): call <see cref="Rotate"/>.</summary>
    public bool IsRotationDue
    {
        get
        {
            lock (_gate)
            {
                return _codec.RoomKeys.CurrentEpoch == 0
                    || _codec.Time.GetUtcNow() - _rotatedAt >= _codec.Options.RoomKeyLifetime;
            }
        }
    }

    /// <summary>Makes a fresh random room key for the next epoch and installs it in the CM's own ring.</summary>
    /// <param name="reason">Logged: "member left", "member removed", "certificate revoked", "timer", "room created".</param>
    public uint Rotate(string reason)
    {
        Span<byte> key = stackalloc byte[32];
        try
        {
            lock (_gate)
            {
                RandomNumberGenerator.Fill(key);
                var epoch = _codec.RoomKeys.CurrentEpoch + 1;
                if (!_codec.RoomKeys.TryInstall(epoch, key))
                {
                    throw new InvalidOperationException($"epoch {epoch} could not be installed");
                }
                _rotatedAt = _codec.Time.GetUtcNow();
                SecurityLog.RoomKeyRotated(_codec.Logger, _codec.RoomKeys.RoomJid, epoch, reason);
                return epoch;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Wraps the current key for every member, <see cref="SecurityOptions.KeyDistributionBatchSize"/> members per
    /// signed message addressed to the room, each batch paced <see cref="SecurityOptions.KeyDistributionInterval"/>
    /// after the previous one. The caller passes the members that remain (never the one removed or revoked).
    /// </summary>
    public IReadOnlyList<KeyDistributionBatch> CreateDistribution(IReadOnlyList<RoomMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var options = _codec.Options;
        var batches = new List<KeyDistributionBatch>((members.Count + options.KeyDistributionBatchSize - 1) / options.KeyDistributionBatchSize);
        Span<byte> key = stackalloc byte[32];
        try
        {
            if (!_codec.RoomKeys.TryGetCurrent(key, out var epoch))
            {
                throw new SecureEnvelopeException(Protocol.ErrorCode.NoSessionKey, "rotate before distributing: the room has no key yet");
            }
            for (var start = 0; start < members.Count; start += options.KeyDistributionBatchSize)
            {
                var count = Math.Min(options.KeyDistributionBatchSize, members.Count - start);
                var slice = new RoomMember[count];
                var names = new string[count];
                for (var i = 0; i < count; i++)
                {
                    slice[i] = members[start + i];
                    names[i] = slice[i].BareJid;
                }
                var messageId = NextMessageId(epoch);
                var elements = _codec.SealKeyDistribution(_codec.RoomKeys.RoomJid, messageId, epoch, key, slice);
                batches.Add(new KeyDistributionBatch(epoch, _codec.RoomKeys.RoomJid, messageId, names, elements,
                    options.KeyDistributionInterval * batches.Count));
            }
            SecurityLog.KeyDistributionPrepared(_codec.Logger, _codec.RoomKeys.RoomJid, epoch, members.Count, batches.Count);
            return batches;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The current key for one member that just joined, as a one-to-one message to its bare JID.</summary>
    public KeyDistributionBatch CreateForJoiningMember(RoomMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        Span<byte> key = stackalloc byte[32];
        try
        {
            if (!_codec.RoomKeys.TryGetCurrent(key, out var epoch))
            {
                throw new SecureEnvelopeException(Protocol.ErrorCode.NoSessionKey, "rotate before distributing: the room has no key yet");
            }
            var messageId = NextMessageId(epoch);
            var elements = _codec.SealKeyDistribution(member.BareJid, messageId, epoch, key, [member]);
            return new KeyDistributionBatch(epoch, member.BareJid, messageId, [member.BareJid], elements, TimeSpan.Zero);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Re-keys after a member left, was removed or revoked: a new epoch, wrapped for the remaining members only.</summary>
    public IReadOnlyList<KeyDistributionBatch> RotateAndDistribute(IReadOnlyList<RoomMember> remainingMembers, string reason)
    {
        Rotate(reason);
        return CreateDistribution(remainingMembers);
    }

    /// <summary>Sends batches at their <see cref="KeyDistributionBatch.SendAfter"/> offsets, using the codec's clock.</summary>
    public async Task SendPacedAsync(IReadOnlyList<KeyDistributionBatch> batches,
        Func<KeyDistributionBatch, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(send);
        var started = _codec.Time.GetTimestamp();
        foreach (var batch in batches)
        {
            var wait = batch.SendAfter - _codec.Time.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _codec.Time, cancellationToken).ConfigureAwait(false);
            }
            await send(batch, cancellationToken).ConfigureAwait(false);
        }
    }

    private string NextMessageId(uint epoch) => string.Create(CultureInfo.InvariantCulture,
        $"key-{epoch}-{Interlocked.Increment(ref _batchSequence)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
}
