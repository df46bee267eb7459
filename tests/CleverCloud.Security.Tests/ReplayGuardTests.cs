using System.Diagnostics.Metrics;
using CleverCloud.Protocol;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Replay;

namespace CleverCloud.Security.Tests;

public sealed class ReplayGuardTests
{
    private const long Now = 1_000_000;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private static ReplayVerdict Accept(ReplayGuard guard, string sender, UInt128 nonce, ulong counter, long now = Now) =>
        guard.TryCommit(sender, nonce, counter, now, now);

    [Test]
    public void Counters_may_arrive_out_of_order_inside_the_window_but_never_twice()
    {
        var guard = new ReplayGuard(Window, 10, 100);
        Assert.That(Accept(guard, "a", 1, 2000), Is.EqualTo(ReplayVerdict.Fresh));
        Assert.That(Accept(guard, "a", 2, 1998), Is.EqualTo(ReplayVerdict.Fresh), "reordered");
        Assert.That(Accept(guard, "a", 3, 1999), Is.EqualTo(ReplayVerdict.Fresh), "reordered");
        Assert.That(Accept(guard, "a", 4, 1998), Is.EqualTo(ReplayVerdict.Replayed), "same counter, new nonce");
        Assert.That(Accept(guard, "a", 5, 2000 - 1024), Is.EqualTo(ReplayVerdict.BelowWindow), "beyond the reorder window");
        Assert.That(Accept(guard, "a", 6, 2000 - 1023), Is.EqualTo(ReplayVerdict.Fresh), "inside the window's last word");
        Assert.That(Accept(guard, "a", 9, 2000 - 130), Is.EqualTo(ReplayVerdict.Fresh), "a middle word");
        Assert.That(Accept(guard, "a", 10, 2070), Is.EqualTo(ReplayVerdict.Fresh), "a shift across words");
        Assert.That(Accept(guard, "a", 11, 2000 - 130), Is.EqualTo(ReplayVerdict.Replayed), "still seen after the shift");
        Assert.That(Accept(guard, "a", 12, 1999), Is.EqualTo(ReplayVerdict.Replayed), "still seen after the shift");
        Assert.That(Accept(guard, "a", 13, 2001), Is.EqualTo(ReplayVerdict.Fresh), "a gap below the new highest");
        Assert.That(Accept(guard, "a", 7, 9000), Is.EqualTo(ReplayVerdict.Fresh), "a jump resets the bitmap");
        Assert.That(Accept(guard, "a", 8, 9000), Is.EqualTo(ReplayVerdict.Replayed));
    }

    [Test]
    public void A_nonce_is_refused_for_the_window_even_with_a_new_counter_and_then_forgotten()
    {
        var guard = new ReplayGuard(Window, 10, 100);
        Assert.That(Accept(guard, "a", 42, 1), Is.EqualTo(ReplayVerdict.Fresh));
        Assert.That(guard.Check("a", 42, 2, Now + 59_999), Is.EqualTo(ReplayVerdict.Replayed));
        Assert.That(guard.Check("a", 42, 2, Now + 60_000), Is.EqualTo(ReplayVerdict.Fresh));
    }

    [Test]
    public void Checking_alone_records_nothing()
    {
        var guard = new ReplayGuard(Window, 10, 100);
        Assert.That(guard.Check("a", 1, 1, Now), Is.EqualTo(ReplayVerdict.Fresh));
        Assert.That(guard.Check("a", 1, 1, Now), Is.EqualTo(ReplayVerdict.Fresh));
        Assert.That(guard.TrackedSenders, Is.Zero);
    }

    [Test]
    public void Senders_are_capped_expired_ones_evicted_and_live_ones_never_forgotten()
    {
        var guard = new ReplayGuard(Window, 2, 100);
        Assert.That(Accept(guard, "a", 1, 1), Is.EqualTo(ReplayVerdict.Fresh));
        Assert.That(Accept(guard, "b", 1, 1), Is.EqualTo(ReplayVerdict.Fresh));
        Assert.That(Accept(guard, "c", 1, 1), Is.EqualTo(ReplayVerdict.TableFull), "fail closed while a and b are live");
        Assert.That(guard.TrackedSenders, Is.EqualTo(2));

        var later = Now + (long)Window.TotalMilliseconds;
        Assert.That(Accept(guard, "c", 1, 1, later), Is.EqualTo(ReplayVerdict.Fresh), "a and b expired");
        Assert.That(guard.TrackedSenders, Is.EqualTo(1));
    }

    [Test]
    public void Nonces_per_sender_are_capped_and_the_counter_still_guards_the_evicted_ones()
    {
        var guard = new ReplayGuard(Window, 10, 3);
        for (ulong i = 1; i <= 5; i++)
        {
            Assert.That(Accept(guard, "a", i, i), Is.EqualTo(ReplayVerdict.Fresh));
        }
        Assert.That(guard.Check("a", 1, 1, Now), Is.EqualTo(ReplayVerdict.Replayed), "nonce evicted, counter 1 already seen");
    }

    [Test]
    public void Counters_publish_rejections_with_the_reason_tag_and_keep_an_in_process_snapshot()
    {
        using var counters = new SecurityCounters();
        var observed = new List<(long Value, object? Reason)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == null || instrument.Meter.Name != SecurityCounters.MeterName || instrument.Name != "clevercloud.security.rejected")
            {
                return;
            }
            l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    observed.Add((value, tag.Value));
                }
            }
        });
        listener.Start();

        counters.RecordRejected(ErrorCode.Replay);
        counters.RecordRejected(ErrorCode.Replay);
        counters.RecordRejected(ErrorCode.BadSignature);

        Assert.That(counters.Snapshot(), Is.EquivalentTo(new Dictionary<ErrorCode, long>
        {
            [ErrorCode.Replay] = 2,
            [ErrorCode.BadSignature] = 1,
        }));
        Assert.That(counters.TotalRejected, Is.EqualTo(3));
        Assert.That(observed, Has.Count.EqualTo(3));
        Assert.That(observed.Count(o => Equals(o.Reason, (int)ErrorCode.Replay)), Is.EqualTo(2));
    }
}
