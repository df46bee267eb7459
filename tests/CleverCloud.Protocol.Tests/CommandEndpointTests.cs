using System.Text;
using System.Text.Json.Nodes;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Messages;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Protocol.Tests;

/// <summary>Two endpoints wired back to back through an in-memory "room", as the CM and an HM would be.</summary>
public sealed class CommandEndpointTests
{
    private sealed class Wire : IMessageSender
    {
        public Func<string, ProtocolMessage, Task>? Deliver;
        public int Sent;
        public bool Drop;
        public readonly List<ProtocolMessage> Log = [];

        public async ValueTask SendAsync(string recipient, ProtocolMessage message, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Sent);
            lock (Log) Log.Add(message);
            if (Drop) return;
            // Round-trip through the codec, as the real transport does.
            var decoded = ProtocolCodec.Decode(ProtocolCodec.Encode(message));
            await Deliver!(recipient, decoded);
        }
    }

    private EchoOperation _echo = null!;
    private Wire _toHost = null!;
    private Wire _toManager = null!;
    private CommandEndpoint _manager = null!;
    private CommandEndpoint _host = null!;

    [SetUp]
    public void SetUp()
    {
        _echo = new EchoOperation();
        _toHost = new Wire();
        _toManager = new Wire();
        var options = new CommandEndpointOptions { DefaultRequestTimeout = TimeSpan.FromSeconds(20) };
        _manager = new CommandEndpoint(_toHost, null, null, options, TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
        var dispatcher = new OperationDispatcher(new OperationRegistry([_echo]), NullLogger<OperationDispatcher>.Instance);
        _host = new CommandEndpoint(_toManager, dispatcher, null, options, TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
        _toHost.Deliver = (_, m) => _host.ReceiveAsync(m, new InboundContext("room/cm", "cm@clever.test", "cm"), CancellationToken.None);
        _toManager.Deliver = (_, m) => _manager.ReceiveAsync(m, new InboundContext("room/hm1", "hm1@clever.test", "hm"), CancellationToken.None);
    }

    [TearDown]
    public void TearDown()
    {
        _manager.Dispose();
        _host.Dispose();
    }

    [Test]
    public async Task Request_gets_the_operations_result()
    {
        var result = await _manager.RequestAsync("room/hm1", "test.echo", new JsonObject { ["text"] = "hi" }, null, CancellationToken.None);
        Assert.That(result.Success, Is.True, result.ToString());
        Assert.That(result.Data!["echo"]!.GetValue<string>(), Is.EqualTo("hi"));
        Assert.That(result.Data!["sender"]!.GetValue<string>(), Is.EqualTo("cm@clever.test"));
        Assert.That(_manager.PendingRequestCount, Is.Zero);
    }

    [Test]
    public async Task Remote_error_comes_back_as_numbered_failure()
    {
        var result = await _manager.RequestAsync("room/hm1", "vm.nope", null, null, CancellationToken.None);
        Assert.That(result.Code, Is.EqualTo(ErrorCode.UnknownOperation));
    }

    [Test]
    public async Task Duplicate_request_id_is_answered_from_cache_and_executed_once()
    {
        var request = new CommandRequest("fixed-id", "test.echo", new JsonObject { ["text"] = "x" });
        var first = await _manager.RequestAsync("room/hm1", request, null, CancellationToken.None);
        var again = await _manager.RequestAsync("room/hm1", new CommandRequest("fixed-id", "test.echo", new JsonObject { ["text"] = "x" }), null, CancellationToken.None);
        Assert.That(first.Success && again.Success, Is.True);
        Assert.That(_echo.Executions, Is.EqualTo(1));
        Assert.That(_toManager.Sent, Is.EqualTo(2), "both deliveries must be answered");
    }

    [Test]
    public async Task Duplicate_arriving_while_the_first_still_runs_shares_its_execution()
    {
        _echo.Gate = new TaskCompletionSource();
        var context = new InboundContext("room/cm", "cm@clever.test", "cm");
        var request = new CommandRequest("dup", "test.echo", new JsonObject { ["text"] = "x" });
        var first = _host.ReceiveAsync(request, context, CancellationToken.None);
        var second = _host.ReceiveAsync(request, context, CancellationToken.None);
        _toManager.Drop = true;
        _echo.Gate.SetResult();
        await Task.WhenAll(first, second);
        Assert.That(_echo.Executions, Is.EqualTo(1));
        Assert.That(_toManager.Log.OfType<CommandReply>().Count(r => r.InReplyTo == "dup"), Is.EqualTo(2));
    }

    [Test]
    public void No_reply_within_timeout_throws_CommandTimeoutException()
    {
        _toHost.Drop = true;
        var ex = Assert.ThrowsAsync<CommandTimeoutException>(() =>
            _manager.RequestAsync("room/hm1", "test.echo", new JsonObject { ["text"] = "x" }, TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.That(ex!.IsTransient, Is.True);
        Assert.That(ex.Operation, Is.EqualTo("test.echo"));
        Assert.That(_manager.PendingRequestCount, Is.Zero);
    }

    [Test]
    public void Caller_cancellation_is_not_reported_as_timeout()
    {
        _toHost.Drop = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.That(async () => await _manager.RequestAsync("room/hm1", "test.echo", new JsonObject { ["text"] = "x" }, TimeSpan.FromSeconds(30), cts.Token),
            Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public async Task Reply_from_another_sender_is_ignored()
    {
        _toHost.Drop = true;
        var pending = _manager.RequestAsync("room/hm1", new CommandRequest("r-spoof", "test.echo"), TimeSpan.FromSeconds(20), CancellationToken.None);
        var forged = new CommandReply("x", "r-spoof", OperationResult.Ok(new JsonObject { ["forged"] = true }));
        await _manager.ReceiveAsync(forged, new InboundContext("room/intruder", "intruder@clever.test", "hm"), CancellationToken.None);
        Assert.That(pending.IsCompleted, Is.False);
        var genuine = new CommandReply("y", "r-spoof", OperationResult.Ok(new JsonObject { ["genuine"] = true }));
        await _manager.ReceiveAsync(genuine, new InboundContext("room/hm1", "hm1@clever.test", "hm"), CancellationToken.None);
        var result = await pending;
        Assert.That(result.Data!["genuine"], Is.Not.Null);
    }

    [Test]
    public async Task Unreadable_bytes_are_dropped_and_the_endpoint_keeps_serving()
    {
        await _host.ReceiveAsync(Encoding.UTF8.GetBytes("{garbage"), new InboundContext("room/cm"), CancellationToken.None);
        Assert.That(_toManager.Sent, Is.Zero);
        var result = await _manager.RequestAsync("room/hm1", "test.echo", new JsonObject { ["text"] = "still" }, null, CancellationToken.None);
        Assert.That(result.Success, Is.True);
    }

    [Test]
    public async Task Authorizer_refusal_is_sent_back_and_nothing_runs()
    {
        var refusing = new CommandEndpoint(_toManager,
            new OperationDispatcher(new OperationRegistry([_echo]), NullLogger<OperationDispatcher>.Instance),
            new RefuseAll(), new CommandEndpointOptions(), TimeProvider.System, NullLogger<CommandEndpoint>.Instance);
        _toHost.Deliver = (_, m) => refusing.ReceiveAsync(m, new InboundContext("room/cm", "cm@clever.test", "hm"), CancellationToken.None);
        var result = await _manager.RequestAsync("room/hm1", "test.echo", new JsonObject { ["text"] = "x" }, null, CancellationToken.None);
        Assert.That(result.Code, Is.EqualTo(ErrorCode.WrongRole));
        Assert.That(_echo.Executions, Is.Zero);
        refusing.Dispose();
    }

    [Test]
    public async Task Events_reach_subscribers_and_a_failing_handler_does_not_stop_others()
    {
        var received = new List<string>();
        _manager.EventReceived += (_, _) => throw new InvalidOperationException("bad handler");
        _manager.EventReceived += (e, s) => { received.Add($"{e.Name}@{s.Identity}"); return Task.CompletedTask; };
        await _host.PublishEventAsync("room/cm", "vm.lifecycle", new JsonObject { ["vm"] = "a" }, CancellationToken.None);
        Assert.That(received, Is.EqualTo(new[] { "vm.lifecycle@hm1@clever.test" }));
    }

    private sealed class RefuseAll : ICommandAuthorizer
    {
        public OperationResult? Authorize(CommandRequest request, InboundContext sender) =>
            OperationResult.Fail(ErrorCode.WrongRole, "only the CM may command this host");
    }
}
