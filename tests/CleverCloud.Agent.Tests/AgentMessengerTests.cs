using System.Collections.Concurrent;
using System.Xml.Linq;
using CleverCloud.Agent.Messaging;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Agent.Tests;

/// <summary>
/// The messenger's inbound order: each sender's messages are opened one at a time in arrival order (the replay
/// defence counts on it), senders do not wait for each other, and handling runs apart, bounded.
/// </summary>
public sealed class AgentMessengerTests
{
    private const string Room = "cluster@rooms.clever.test";

    [Test]
    public async Task A_senders_messages_are_opened_in_arrival_order_however_long_each_opening_takes()
    {
        var channel = new OrderedChannel();
        var protector = new RecordingProtector(delayFor: _ => TimeSpan.FromMilliseconds(Random.Shared.Next(0, 3)));
        var (_, received) = Wire(channel, protector, maxConcurrentMessages: 8);
        const int count = 300;

        for (var i = 0; i < count; i++)
            await channel.DeliverAsync(Event("hm1@clever.test", i));
        await received.WaitForAsync(count);

        Assert.That(protector.OpenedBy("hm1@clever.test"), Is.EqualTo(Enumerable.Range(0, count)),
            "opened strictly in arrival order");
        Assert.That(protector.MostAtOnceFor("hm1@clever.test"), Is.EqualTo(1), "one opening at a time per sender");
    }

    [Test]
    public async Task A_sender_whose_opening_stalls_does_not_hold_up_another_sender()
    {
        var channel = new OrderedChannel();
        var directoryAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var protector = new RecordingProtector(stall: sender => sender == "hm1@clever.test" ? directoryAnswer.Task : Task.CompletedTask);
        var (_, received) = Wire(channel, protector, maxConcurrentMessages: 4);

        await channel.DeliverAsync(Event("hm1@clever.test", 0));
        await channel.DeliverAsync(Event("hm1@clever.test", 1));
        for (var i = 0; i < 20; i++)
            await channel.DeliverAsync(Event("hm2@clever.test", i));
        await received.WaitForAsync(20);

        Assert.That(received.From("hm2@clever.test"), Has.Count.EqualTo(20), "hm2 handled while hm1 waits for its directory lookup");
        Assert.That(received.From("hm1@clever.test"), Is.Empty);

        directoryAnswer.SetResult();
        await received.WaitForAsync(22);
        Assert.That(protector.OpenedBy("hm1@clever.test"), Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public async Task Handling_runs_apart_from_opening_and_at_most_the_configured_number_at_once()
    {
        var channel = new OrderedChannel();
        var protector = new RecordingProtector();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (endpoint, received) = Wire(channel, protector, maxConcurrentMessages: 3);
        var running = 0;
        var mostAtOnce = 0;
        endpoint.EventReceived += async (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            await release.Task;
            Interlocked.Decrement(ref running);
        };

        for (var i = 0; i < 10; i++)
            await channel.DeliverAsync(Event("hm1@clever.test", i));
        await WaitUntilAsync(() => Volatile.Read(ref running) == 3);
        await Task.Delay(100);

        Assert.That(Volatile.Read(ref mostAtOnce), Is.EqualTo(3), "three handlers busy, the rest wait");
        Assert.That(protector.OpenedBy("hm1@clever.test"), Has.Count.LessThan(10), "opening waits while handling is full");

        release.SetResult();
        await received.WaitForAsync(10);
        Assert.That(protector.OpenedBy("hm1@clever.test"), Is.EqualTo(Enumerable.Range(0, 10)));
    }

    [Test]
    public async Task A_failure_while_dealing_with_one_message_does_not_stall_the_senders_later_ones()
    {
        var channel = new OrderedChannel();
        var protector = new RecordingProtector(refuse: id => id.EndsWith("#0", StringComparison.Ordinal));
        var messenger = new AgentMessenger(channel, protector, NullLogger<AgentMessenger>.Instance, 4);
        using var endpoint = new CommandEndpoint(messenger, null, null, new CommandEndpointOptions(), TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
        messenger.Attach(endpoint);
        var received = new ReceivedEvents();
        endpoint.EventReceived += (agentEvent, sender) =>
        {
            received.Add(sender.Identity!, agentEvent.Id);
            return Task.CompletedTask;
        };
        messenger.Rejected += (_, _) => throw new InvalidOperationException("a subscriber failing on the refusal");

        for (var i = 0; i < 4; i++)
            await channel.DeliverAsync(Event("hm1@clever.test", i));
        await received.WaitForAsync(3);

        // Handling runs concurrently, so only the set is certain; opening kept the order.
        Assert.That(received.From("hm1@clever.test"), Is.EquivalentTo(new[] { "hm1@clever.test#1", "hm1@clever.test#2", "hm1@clever.test#3" }));
        Assert.That(protector.OpenedBy("hm1@clever.test"), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(messenger.RejectedCount, Is.EqualTo(1));
    }

    private static (CommandEndpoint Endpoint, ReceivedEvents Received) Wire(OrderedChannel channel, RecordingProtector protector, int maxConcurrentMessages)
    {
        var messenger = new AgentMessenger(channel, protector, NullLogger<AgentMessenger>.Instance, maxConcurrentMessages);
        var endpoint = new CommandEndpoint(messenger, null, null, new CommandEndpointOptions(), TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
        messenger.Attach(endpoint);
        var received = new ReceivedEvents();
        endpoint.EventReceived += (agentEvent, sender) =>
        {
            received.Add(sender.Identity!, agentEvent.Id);
            return Task.CompletedTask;
        };
        return (endpoint, received);
    }

    private static InboundStanza Event(string sender, int sequence) =>
        new(new XElement(XName.Get("message", "jabber:client"), new XAttribute("id", $"{sender}#{sequence}")),
            $"{Room}/{sender.Split('@')[0]}", sender, ViaRoom: true);

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
            await Task.Delay(5, timeout.Token);
    }

    /// <summary>Raises each message after the previous one's handlers returned, as the XMPP channel does.</summary>
    private sealed class OrderedChannel : IAgentChannel
    {
        public string RoomJid => Room;

        public string OwnJid => "cm@clever.test";

        public event Func<InboundStanza, CancellationToken, Task>? MessageReceived;

        public async Task DeliverAsync(InboundStanza inbound)
        {
            if (MessageReceived is { } handler)
                await handler(inbound, CancellationToken.None);
        }

        public string? IdentityOf(string occupantAddress) => null;

        public ValueTask SendDirectAsync(string to, string id, IReadOnlyList<XElement> children, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask SendToRoomAsync(string id, IReadOnlyList<XElement> children, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>Opens every message as an event named after its stanza id, recording the order and overlap per sender.</summary>
    private sealed class RecordingProtector(Func<string, TimeSpan>? delayFor = null, Func<string, Task>? stall = null, Func<string, bool>? refuse = null)
        : IMessageProtector
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _opened = new();
        private readonly ConcurrentDictionary<string, int[]> _concurrency = new();

        public bool IsSecured => true;

        public bool CarriesPayload(XElement message) => true;

        public IReadOnlyList<int> OpenedBy(string sender) => _opened.TryGetValue(sender, out var order) ? order.ToArray() : [];

        public int MostAtOnceFor(string sender) => _concurrency.TryGetValue(sender, out var counters) ? counters[1] : 0;

        public ValueTask<IReadOnlyList<XElement>> ProtectAsync(OutboundEnvelope envelope, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
            ValueTask.FromResult<IReadOnlyList<XElement>>([]);

        public async ValueTask<UnprotectResult> UnprotectAsync(XElement message, string? senderIdentity, string senderAddress, string recipient, CancellationToken cancellationToken)
        {
            var sender = senderIdentity!;
            var counters = _concurrency.GetOrAdd(sender, _ => new int[2]);
            InterlockedMax(ref counters[1], Interlocked.Increment(ref counters[0]));
            try
            {
                if (stall is not null)
                    await stall(sender);
                if (delayFor is not null)
                    await Task.Delay(delayFor(sender), cancellationToken);
                var id = (string)message.Attribute("id")!;
                if (refuse?.Invoke(id) == true)
                    return UnprotectResult.Reject(Protocol.ErrorCode.BadSignature, "refused by the test");
                _opened.GetOrAdd(sender, _ => new ConcurrentQueue<int>()).Enqueue(int.Parse(id[(id.IndexOf('#') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
                return UnprotectResult.Accept(ProtocolCodec.Encode(new AgentEvent(id, "test.event")), sender, "hm");
            }
            finally
            {
                Interlocked.Decrement(ref counters[0]);
            }
        }
    }

    private sealed class ReceivedEvents
    {
        private readonly ConcurrentQueue<(string Sender, string Id)> _events = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public void Add(string sender, string id)
        {
            _events.Enqueue((sender, id));
            _arrived.Release();
        }

        public IReadOnlyList<string> From(string sender) => _events.Where(e => e.Sender == sender).Select(e => e.Id).ToList();

        public async Task WaitForAsync(int total)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (_events.Count < total)
                await _arrived.WaitAsync(timeout.Token);
        }
    }
}
