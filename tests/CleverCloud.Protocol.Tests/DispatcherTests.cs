using System.Text.Json.Nodes;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Protocol.Tests;

public sealed class DispatcherTests
{
    private EchoOperation _echo = null!;
    private OperationDispatcher _dispatcher = null!;
    private static readonly OperationContext Context = new("r1", "cm@clever.test", "cm");

    [SetUp]
    public void SetUp()
    {
        _echo = new EchoOperation();
        _dispatcher = new OperationDispatcher(new OperationRegistry([_echo]), NullLogger<OperationDispatcher>.Instance);
    }

    [Test]
    public async Task Valid_request_is_executed()
    {
        var result = await _dispatcher.DispatchAsync("test.echo", new JsonObject { ["text"] = "ab", ["times"] = 2, ["loud"] = true }, Context, CancellationToken.None);
        Assert.That(result.Success, Is.True, result.ToString());
        Assert.That(result.Data!["echo"]!.GetValue<string>(), Is.EqualTo("ABAB"));
    }

    [Test]
    public async Task Unknown_operation_gives_102_and_runs_nothing()
    {
        var result = await _dispatcher.DispatchAsync("vm.nope", null, Context, CancellationToken.None);
        Assert.That(result.Code, Is.EqualTo(ErrorCode.UnknownOperation));
        Assert.That(_echo.Executions, Is.Zero);
    }

    [Test]
    public async Task Unavailable_operation_gives_104_with_the_reason()
    {
        _echo.UnavailableReason = "driver lacks it";
        var result = await _dispatcher.DispatchAsync("test.echo", new JsonObject { ["text"] = "a" }, Context, CancellationToken.None);
        Assert.That(result.Code, Is.EqualTo(ErrorCode.OperationUnavailable));
        Assert.That(result.Message, Does.Contain("driver lacks it"));
        Assert.That(_echo.Executions, Is.Zero);
    }

    [TestCase("{}", "missing required parameter 'text'")]
    [TestCase("{\"text\":5}", "expected a string")]
    [TestCase("{\"text\":\"aaaaaaaaaaaaaaaaaaaaaaaa\"}", "longer than 16")]
    [TestCase("{\"text\":\"a\",\"times\":0}", "below the minimum")]
    [TestCase("{\"text\":\"a\",\"times\":99}", "above the maximum")]
    [TestCase("{\"text\":\"a\",\"times\":1.5}", "expected an integer")]
    [TestCase("{\"text\":\"a\",\"times\":\"2\"}", "expected an integer")]
    [TestCase("{\"text\":\"a\",\"loud\":1}", "expected true or false")]
    [TestCase("{\"text\":\"a\",\"extra\":1}", "unknown parameter 'extra'")]
    public async Task Invalid_arguments_give_103_and_run_nothing(string json, string expectedMessage)
    {
        var result = await _dispatcher.DispatchAsync("test.echo", JsonNode.Parse(json)!.AsObject(), Context, CancellationToken.None);
        Assert.That(result.Code, Is.EqualTo(ErrorCode.InvalidArguments));
        Assert.That(result.Message, Does.Contain(expectedMessage));
        Assert.That(_echo.Executions, Is.Zero);
    }

    [Test]
    public async Task Whole_number_written_as_float_is_accepted_as_integer()
    {
        var result = await _dispatcher.DispatchAsync("test.echo", JsonNode.Parse("{\"text\":\"a\",\"times\":2.0}")!.AsObject(), Context, CancellationToken.None);
        Assert.That(result.Success, Is.True, result.ToString());
    }

    [Test]
    public async Task Exception_becomes_internal_error_without_stack_trace()
    {
        _echo.Throw = new InvalidOperationException("disk on fire");
        var result = await _dispatcher.DispatchAsync("test.echo", new JsonObject { ["text"] = "a" }, Context, CancellationToken.None);
        Assert.That(result.Code, Is.EqualTo(ErrorCode.InternalError));
        Assert.That(result.Message, Does.Contain("disk on fire").And.Not.Contain(" at "));
    }

    [Test]
    public async Task Cancellation_gives_106()
    {
        _echo.Gate = new TaskCompletionSource();
        using var cts = new CancellationTokenSource();
        var running = _dispatcher.DispatchAsync("test.echo", new JsonObject { ["text"] = "a" }, Context, cts.Token);
        cts.Cancel();
        var result = await running;
        Assert.That(result.Code, Is.EqualTo(ErrorCode.RequestCancelled));
    }

    [Test]
    public void Registering_two_operations_with_one_name_fails_at_start()
    {
        Assert.That(() => new OperationRegistry([new EchoOperation(), new EchoOperation()]),
            Throws.InvalidOperationException.With.Message.Contains("test.echo"));
    }
}
