using System.Text;
using System.Text.Json.Nodes;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Messages;

namespace CleverCloud.Protocol.Tests;

public sealed class ProtocolCodecTests
{
    [Test]
    public void Request_round_trips_with_arguments()
    {
        var request = new CommandRequest("r1", "vm.start", new JsonObject { ["name"] = "web<1>&\"x\"", ["force"] = true });
        var decoded = (CommandRequest)ProtocolCodec.Decode(ProtocolCodec.Encode(request));
        Assert.Multiple(() =>
        {
            Assert.That(decoded.Id, Is.EqualTo("r1"));
            Assert.That(decoded.Operation, Is.EqualTo("vm.start"));
            Assert.That(decoded.Arguments!["name"]!.GetValue<string>(), Is.EqualTo("web<1>&\"x\""));
            Assert.That(decoded.Arguments!["force"]!.GetValue<bool>(), Is.True);
            Assert.That(decoded.Version, Is.EqualTo(ProtocolCodec.CurrentVersion));
        });
    }

    [Test]
    public void Successful_and_failed_replies_round_trip()
    {
        var ok = new CommandReply("p1", "r1", OperationResult.Ok(new JsonObject { ["vms"] = new JsonArray("a", "b") }));
        var failed = new CommandReply("p2", "r2", OperationResult.Fail(ErrorCode.NoSuchVm, "no VM named 'x'"));

        var okBack = (CommandReply)ProtocolCodec.Decode(ProtocolCodec.Encode(ok));
        var failedBack = (CommandReply)ProtocolCodec.Decode(ProtocolCodec.Encode(failed));

        Assert.Multiple(() =>
        {
            Assert.That(okBack.InReplyTo, Is.EqualTo("r1"));
            Assert.That(okBack.Result.Success, Is.True);
            Assert.That(okBack.Result.Data!["vms"]!.AsArray(), Has.Count.EqualTo(2));
            Assert.That(failedBack.Result.Success, Is.False);
            Assert.That(failedBack.Result.Code, Is.EqualTo(ErrorCode.NoSuchVm));
            Assert.That(failedBack.Result.Message, Is.EqualTo("no VM named 'x'"));
        });
    }

    [Test]
    public void Event_round_trips()
    {
        var evt = new AgentEvent("e1", "vm.lifecycle", new JsonObject { ["vm"] = "a", ["state"] = "started" });
        var back = (AgentEvent)ProtocolCodec.Decode(ProtocolCodec.Encode(evt));
        Assert.That(back.Name, Is.EqualTo("vm.lifecycle"));
        Assert.That(back.Data!["state"]!.GetValue<string>(), Is.EqualTo("started"));
    }

    [TestCase("not json", ErrorCode.MalformedMessage)]
    [TestCase("[1,2]", ErrorCode.MalformedMessage)]
    [TestCase("{\"kind\":\"request\",\"id\":\"a\",\"op\":\"x\"}", ErrorCode.MalformedMessage)]
    [TestCase("{\"v\":2,\"kind\":\"request\",\"id\":\"a\",\"op\":\"x\"}", ErrorCode.UnsupportedVersion)]
    [TestCase("{\"v\":1,\"kind\":\"bogus\",\"id\":\"a\"}", ErrorCode.MalformedMessage)]
    [TestCase("{\"v\":1,\"kind\":\"request\",\"id\":\"\",\"op\":\"x\"}", ErrorCode.MalformedMessage)]
    [TestCase("{\"v\":1,\"kind\":\"request\",\"id\":\"a\",\"op\":7}", ErrorCode.MalformedMessage)]
    [TestCase("{\"v\":1,\"kind\":\"request\",\"id\":\"a\",\"op\":\"x\",\"args\":[1]}", ErrorCode.MalformedMessage)]
    [TestCase("{\"v\":1,\"kind\":\"reply\",\"id\":\"a\",\"re\":\"b\",\"ok\":false}", ErrorCode.MalformedMessage)]
    [TestCase("{\"v\":1,\"kind\":\"reply\",\"id\":\"a\",\"re\":\"b\",\"ok\":false,\"code\":0}", ErrorCode.MalformedMessage)]
    [TestCase("{\"v\":1,\"kind\":\"reply\",\"id\":\"a\",\"re\":\"b\",\"ok\":\"yes\"}", ErrorCode.MalformedMessage)]
    public void Malformed_messages_are_refused_with_a_numbered_code(string json, ErrorCode expected)
    {
        var ex = Assert.Throws<ProtocolFormatException>(() => ProtocolCodec.Decode(Encoding.UTF8.GetBytes(json)));
        Assert.That(ex!.Code, Is.EqualTo(expected));
    }

    [Test]
    public void Oversized_message_is_refused_before_parsing()
    {
        var big = Encoding.UTF8.GetBytes("{\"v\":1,\"kind\":\"event\",\"id\":\"a\",\"event\":\"x\",\"data\":\"" + new string('a', 5000) + "\"}");
        var ex = Assert.Throws<ProtocolFormatException>(() => ProtocolCodec.Decode(big, maxMessageBytes: 1024));
        Assert.That(ex!.Code, Is.EqualTo(ErrorCode.PayloadTooLarge));
    }

    [Test]
    public void Deeply_nested_arguments_are_refused()
    {
        var deep = new StringBuilder("{\"v\":1,\"kind\":\"request\",\"id\":\"a\",\"op\":\"x\",\"args\":");
        for (var i = 0; i < 100; i++) deep.Append("{\"a\":");
        deep.Append('1').Append('}', 100).Append('}');
        var ex = Assert.Throws<ProtocolFormatException>(() => ProtocolCodec.Decode(Encoding.UTF8.GetBytes(deep.ToString())));
        Assert.That(ex!.Code, Is.EqualTo(ErrorCode.MalformedMessage));
    }

    [Test]
    public void Message_ids_are_unique()
    {
        var generator = new MessageIdGenerator();
        var ids = Enumerable.Range(0, 10_000).Select(_ => generator.Next()).ToHashSet();
        Assert.That(ids, Has.Count.EqualTo(10_000));
        Assert.That(new MessageIdGenerator().Next(), Is.Not.EqualTo(generator.Next()));
    }
}
