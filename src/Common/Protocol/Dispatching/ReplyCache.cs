using System.Collections.Concurrent;
using CleverCloud.Protocol.Messages;

namespace CleverCloud.Protocol.Dispatching;

/// <summary>
/// Remembers the reply to each (sender, request id) for a while, so that a request delivered twice (a retry after a
/// timeout, a redelivery after reconnect) is answered again but executed once. A request still running when its
/// duplicate arrives shares the running task.
/// </summary>
internal sealed class ReplyCache
{
    private readonly ConcurrentDictionary<(string Sender, string Id), Entry> _entries = new();
    private readonly ConcurrentQueue<((string Sender, string Id) Key, long Stamp)> _order = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly int _capacity;

    public ReplyCache(TimeProvider time, TimeSpan lifetime, int capacity)
    {
        _time = time;
        _lifetime = lifetime;
        _capacity = capacity;
    }

    public int Count => _entries.Count;

    /// <summary>Returns the task producing the reply for this request, creating it with <paramref name="execute"/> only once.</summary>
    public Task<CommandReply> GetOrExecute(string sender, string requestId, Func<Task<CommandReply>> execute, out bool isDuplicate)
    {
        var key = (sender, requestId);
        var now = _time.GetTimestamp();
        if (_entries.TryGetValue(key, out var existing) && !IsExpired(existing, now))
        {
            isDuplicate = true;
            return existing.Reply.Value;
        }

        var created = new Entry(new Lazy<Task<CommandReply>>(execute, LazyThreadSafetyMode.ExecutionAndPublication), now);
        var winner = _entries.AddOrUpdate(key, created, (_, current) => IsExpired(current, now) ? created : current);
        isDuplicate = !ReferenceEquals(winner, created);
        if (!isDuplicate)
        {
            _order.Enqueue((key, now));
            Trim(now);
        }
        return winner.Reply.Value;
    }

    private bool IsExpired(Entry entry, long now) => _time.GetElapsedTime(entry.Stamp, now) > _lifetime;

    private void Trim(long now)
    {
        while (_order.TryPeek(out var oldest)
               && (_entries.Count > _capacity || _time.GetElapsedTime(oldest.Stamp, now) > _lifetime))
        {
            if (!_order.TryDequeue(out oldest))
                break;
            // Only remove the entry this queue item describes; a newer entry under the same key has its own item.
            if (_entries.TryGetValue(oldest.Key, out var entry) && entry.Stamp == oldest.Stamp)
                _entries.TryRemove(new KeyValuePair<(string, string), Entry>(oldest.Key, entry));
        }
    }

    private sealed record Entry(Lazy<Task<CommandReply>> Reply, long Stamp);
}
