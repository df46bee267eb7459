using System.Text.Json.Nodes;
using CleverCloud.Cli.Commands;
using CleverCloud.Protocol;

namespace CleverCloud.Cli.Tests;

public sealed class CommandLineTests
{
    private static ParsedCommand Parse(string line) => CommandLine.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    [Test]
    public void Vm_create_maps_to_the_cm_operation_with_typed_arguments()
    {
        var command = Parse("vm create web1 --vcpus 2 --memory 512 --image debian --no-start");
        Assert.That(command.Operation, Is.EqualTo("vm.create"));
        Assert.That(command.Arguments.ToJsonString(),
            Is.EqualTo("""{"name":"web1","vcpus":2,"memoryMiB":512,"start":false,"image":"debian"}"""));
    }

    [Test]
    public void Exec_forwards_key_values_with_their_types()
    {
        var command = Parse("exec hm1@clever.test vm.setmem name=web1 memoryMiB=1024 live=true");
        Assert.That(command.Operation, Is.EqualTo("host.exec"));
        Assert.That(command.Arguments["host"]!.GetValue<string>(), Is.EqualTo("hm1@clever.test"));
        Assert.That(command.Arguments["arguments"]!.ToJsonString(), Is.EqualTo("""{"name":"web1","memoryMiB":1024,"live":true}"""));
    }

    [TestCase("vm start web1", "vm.control", "start")]
    [TestCase("vm console web1", "vm.control", "console")]
    [TestCase("vm delete web1", "vm.delete", null)]
    public void Vm_actions(string line, string operation, string? action)
    {
        var command = Parse(line);
        Assert.That(command.Operation, Is.EqualTo(operation));
        Assert.That(command.Arguments["action"]?.GetValue<string>(), Is.EqualTo(action));
    }

    [TestCase("hosts", "cluster.hosts")]
    [TestCase("vms", "cluster.vms")]
    [TestCase("images", "image.list")]
    [TestCase("host admit hm9@other.test --federated", "host.admit")]
    [TestCase("host remove hm1@clever.test", "host.remove")]
    [TestCase("host info hm1@clever.test", "host.exec")]
    [TestCase("image register debian debian.qcow2 --format qcow2 --size 10", "image.register")]
    [TestCase("image remove debian", "image.remove")]
    [TestCase("call cluster.hosts", "cluster.hosts")]
    public void Commands_map_to_operations(string line, string operation) =>
        Assert.That(Parse(line).Operation, Is.EqualTo(operation));

    [TestCase("", "no command")]
    [TestCase("frobnicate", "unknown command 'frobnicate'")]
    [TestCase("vm create web1 --vcpus 2", "--memory is required")]
    [TestCase("vm create web1 --vcpus two --memory 5", "--vcpus needs a whole number")]
    [TestCase("vm create web1 --vcpus 1 --memory 5 --colour red", "unexpected '--colour'")]
    [TestCase("vm explode web1", "unknown vm command 'explode'")]
    [TestCase("exec hm1@clever.test", "exec needs a host JID and an operation")]
    [TestCase("exec hm1@clever.test vm.info name", "'name' is not KEY=VALUE")]
    [TestCase("exec hm1@clever.test vm.info a=1 a=2", "'a' is given twice")]
    [TestCase("exec hm1@clever.test vm.info a={bad", "looks like JSON but is not")]
    [TestCase("hosts extra", "takes no arguments")]
    [TestCase("audit verify log.jsonl", "needs --ca")]
    public void Bad_usage_is_explained(string line, string message)
    {
        var ex = Assert.Throws<UsageException>(() => Parse(line));
        Assert.That(ex!.Message, Does.Contain(message));
    }

    [Test]
    public void Errors_render_with_number_and_name()
    {
        var text = ReplyPrinter.Render(OperationResult.Fail(ErrorCode.NoSuchVm, "no VM named 'x'"), json: false);
        Assert.That(text, Is.EqualTo("error 400 (NoSuchVm): no VM named 'x'"));
    }

    [Test]
    public void Lists_render_as_tables()
    {
        var data = new JsonObject { ["hosts"] = new JsonArray(new JsonObject { ["jid"] = "hm1@clever.test", ["online"] = true, ["vms"] = 2 }) };
        var text = ReplyPrinter.Render(OperationResult.Ok(data), json: false);
        Assert.That(text.Split('\n')[0], Does.StartWith("JID").And.Contain("ONLINE"));
        Assert.That(text, Does.Contain("hm1@clever.test").And.Contain("true"));
    }
}
