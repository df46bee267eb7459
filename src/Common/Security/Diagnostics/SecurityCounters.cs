using System.Diagnostics.Metrics;
using CleverCloud.Protocol;

namespace CleverCloud.Security.Diagnostics;

/// <summary>
/// Counts accepted envelopes and rejections per numbered reason. Exported through System.Diagnostics.Metrics
/// (meter <see cref="MeterName"/>) for the operators, and kept in-process (<see cref="RejectedCount"/>,
/// <see cref="Snapshot"/>) so tests and health endpoints can read them without a metrics listener.
/// </summary>
public sealed class SecurityCounters : IDisposable
{
    public const string MeterName = "CleverCloud.Security";

    // The 2xx block is small and dense: one slot per code keeps the hot path to an Interlocked.Increment.
    private const int FirstSecurityCode = 200;
    private const int SecurityCodeSlots = 100;

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _accepted;
    private readonly long[] _rejectedByCode = new long[SecurityCodeSlots + 1];
    private long _acceptedTotal;

    public SecurityCounters(IMeterFactory? meterFactory = null)
    {
        if (meterFactory is null)
        {
            _meter = new Meter(MeterName);
            _ownsMeter = true;
        }
        else
        {
            _meter = meterFactory.Create(MeterName);
        }
        _rejected = _meter.CreateCounter<long>("clevercloud.security.rejected", unit: "{message}",
            description: "Secure envelopes rejected, tagged with the numbered reason.");
        _accepted = _meter.CreateCounter<long>("clevercloud.security.accepted", unit: "{message}",
            description: "Secure envelopes that passed every check.");
    }

    public long AcceptedCount => Interlocked.Read(ref _acceptedTotal);

    public long TotalRejected
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _rejectedByCode.Length; i++)
            {
                total += Interlocked.Read(ref _rejectedByCode[i]);
            }
            return total;
        }
    }

    public long RejectedCount(ErrorCode reason) => Interlocked.Read(ref _rejectedByCode[SlotOf(reason)]);

    /// <summary>A copy of the non-zero rejection counters, by reason.</summary>
    public IReadOnlyDictionary<ErrorCode, long> Snapshot()
    {
        var snapshot = new Dictionary<ErrorCode, long>();
        for (var i = 0; i < SecurityCodeSlots; i++)
        {
            var value = Interlocked.Read(ref _rejectedByCode[i]);
            if (value != 0)
            {
                snapshot[(ErrorCode)(FirstSecurityCode + i)] = value;
            }
        }
        var other = Interlocked.Read(ref _rejectedByCode[SecurityCodeSlots]);
        if (other != 0)
        {
            snapshot[ErrorCode.InternalError] = other;
        }
        return snapshot;
    }

    internal void RecordRejected(ErrorCode reason)
    {
        Interlocked.Increment(ref _rejectedByCode[SlotOf(reason)]);
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", (int)reason));
    }

    internal void RecordAccepted()
    {
        Interlocked.Increment(ref _acceptedTotal);
        _accepted.Add(1);
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static int SlotOf(ErrorCode reason)
    {
        var offset = (int)reason - FirstSecurityCode;
        // Anything outside the security block would be a programming error; count it apart rather than throw.
        return offset is >= 0 and < SecurityCodeSlots ? offset : SecurityCodeSlots;
    }
}
