using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleverCloud.Cli.Commands;

/// <summary>A parsed CLI invocation: the CM operation to request and its arguments, or a local action.</summary>
public sealed record ParsedCommand(string Operation, JsonObject Arguments, string Summary)
{
    /// <summary>Set for commands that run locally and send nothing (e.g. audit verification).</summary>
    public string? LocalAction { get; init; }
}

/// <summary>Bad usage: printed with the usage text, exit code 64 (EX_USAGE).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Maps the administrator's words to Cluster Manager operations. Kept free of I/O so that every command line is
/// testable; the caller sends the result and renders the reply.
/// </summary>
public static class CommandLine
{
    public const string Usage = """
        usage: clever [--config FILE] [--json] [--timeout SECONDS] COMMAND

        cluster
          hosts                                   list admitted hosts, liveness and load
          vms                                     list VMs placed by the cluster
          host admit JID [--federated]            admit a host manager (of this or a federated domain)
          host remove JID                         remove a host manager; the room is re-keyed
          host info JID                           ask one host for host.info
          exec JID OPERATION [KEY=VALUE ...]      run any operation on one host (values: numbers, true/false, text)
        virtual machines
          vm create NAME --vcpus N --memory MIB [--image IMAGE] [--network NET] [--host JID] [--no-start]
          vm start|shutdown|destroy|reboot|suspend|resume|info|stats|console NAME
          vm delete NAME
        images
          images                                  list registered images
          image register NAME PATH [--format raw|qcow2|iso] [--size BYTES] [--sha256 HEX] [--description TEXT]
          image remove NAME
        other
          call OPERATION [KEY=VALUE ...]          send any operation to the cluster manager
          audit verify LOGFILE --ca CAFILE        verify a non-repudiation audit log offline
          security probe JID                      send a host a forged command; it must be rejected
        """;

    private static readonly string[] VmActions = ["start", "shutdown", "destroy", "reboot", "suspend", "resume", "info", "stats", "console"];

    public static ParsedCommand Parse(IReadOnlyList<string> words)
    {
        if (words.Count == 0)
            throw new UsageException("no command given");
        var rest = words.Skip(1).ToList();
        switch (words[0])
        {
            case "hosts":
                NoMore(rest, "hosts");
                return new("cluster.hosts", [], "list hosts");
            case "vms":
                NoMore(rest, "vms");
                return new("cluster.vms", [], "list VMs");
            case "images":
                NoMore(rest, "images");
                return new("image.list", [], "list images");
            case "host":
                return ParseHost(rest);
            case "exec":
            {
                if (rest.Count < 2)
                    throw new UsageException("exec needs a host JID and an operation");
                var args = new JsonObject
                {
                    ["host"] = rest[0],
                    ["operation"] = rest[1],
                    ["arguments"] = KeyValues(rest.Skip(2)),
                };
                return new("host.exec", args, $"{rest[1]} on {rest[0]}");
            }
            case "vm":
                return ParseVm(rest);
            case "image":
                return ParseImage(rest);
            case "call":
                if (rest.Count < 1)
                    throw new UsageException("call needs an operation name");
                return new(rest[0], KeyValues(rest.Skip(1)), rest[0]);
            case "security":
                if (rest.Count != 2 || rest[0] != "probe")
                    throw new UsageException("usage: security probe JID");
                return new("security.probe", new JsonObject { ["host"] = rest[1] }, $"probe {rest[1]}");
            case "audit":
                if (rest.Count < 2 || rest[0] != "verify")
                    throw new UsageException("usage: audit verify LOGFILE --ca CAFILE");
                var options = Options(rest.Skip(2), valued: ["--ca"], flags: []);
                if (!options.TryGetValue("--ca", out var ca))
                    throw new UsageException("audit verify needs --ca CAFILE (the cluster CA certificate)");
                return new("audit.verify", new JsonObject { ["log"] = rest[1], ["ca"] = ca }, "verify audit log") { LocalAction = "audit.verify" };
            default:
                throw new UsageException($"unknown command '{words[0]}'");
        }
    }

    private static ParsedCommand ParseHost(List<string> rest)
    {
        if (rest.Count < 2)
            throw new UsageException("usage: host admit|remove|info JID");
        var jid = rest[1];
        var options = rest.Skip(2);
        return rest[0] switch
        {
            "admit" => new("host.admit", new JsonObject { ["jid"] = jid, ["federated"] = Options(options, [], ["--federated"]).ContainsKey("--federated") }, $"admit {jid}"),
            "remove" => NoMoreThen(options, "host remove", new ParsedCommand("host.remove", new JsonObject { ["jid"] = jid }, $"remove {jid}")),
            "info" => NoMoreThen(options, "host info", new ParsedCommand("host.exec", new JsonObject { ["host"] = jid, ["operation"] = "host.info" }, $"host.info on {jid}")),
            _ => throw new UsageException($"unknown host command '{rest[0]}'"),
        };
    }

    private static ParsedCommand ParseVm(List<string> rest)
    {
        if (rest.Count < 2)
            throw new UsageException("usage: vm create|delete|start|... NAME");
        var action = rest[0];
        var name = rest[1];
        var tail = rest.Skip(2);
        if (action == "create")
        {
            var options = Options(tail, valued: ["--vcpus", "--memory", "--image", "--network", "--host"], flags: ["--no-start"]);
            var args = new JsonObject
            {
                ["name"] = name,
                ["vcpus"] = Integer(options, "--vcpus", required: true),
                ["memoryMiB"] = Integer(options, "--memory", required: true),
                ["start"] = !options.ContainsKey("--no-start"),
            };
            if (options.TryGetValue("--image", out var image)) args["image"] = image;
            if (options.TryGetValue("--network", out var network)) args["network"] = network;
            if (options.TryGetValue("--host", out var host)) args["host"] = host;
            return new("vm.create", args, $"create VM {name}");
        }
        if (action == "delete")
            return NoMoreThen(tail, "vm delete", new ParsedCommand("vm.delete", new JsonObject { ["name"] = name }, $"delete VM {name}"));
        if (VmActions.Contains(action))
            return NoMoreThen(tail, "vm " + action, new ParsedCommand("vm.control", new JsonObject { ["name"] = name, ["action"] = action }, $"{action} VM {name}"));
        throw new UsageException($"unknown vm command '{action}'");
    }

    private static ParsedCommand ParseImage(List<string> rest)
    {
        if (rest.Count >= 3 && rest[0] == "register")
        {
            var options = Options(rest.Skip(3), valued: ["--format", "--size", "--sha256", "--description"], flags: []);
            var args = new JsonObject { ["name"] = rest[1], ["path"] = rest[2] };
            if (options.TryGetValue("--format", out var format)) args["format"] = format;
            if (options.ContainsKey("--size")) args["sizeBytes"] = Integer(options, "--size", required: true);
            if (options.TryGetValue("--sha256", out var sha)) args["sha256"] = sha;
            if (options.TryGetValue("--description", out var description)) args["description"] = description;
            return new("image.register", args, $"register image {rest[1]}");
        }
        if (rest.Count == 2 && rest[0] == "remove")
            return new("image.remove", new JsonObject { ["name"] = rest[1] }, $"remove image {rest[1]}");
        throw new UsageException("usage: image register NAME PATH [...] | image remove NAME");
    }

    /// <summary>KEY=VALUE words into a JSON object: integers and true/false keep their type, JSON objects/arrays too.</summary>
    public static JsonObject KeyValues(IEnumerable<string> words)
    {
        var result = new JsonObject();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                throw new UsageException($"'{word}' is not KEY=VALUE");
            var key = word[..eq];
            var value = word[(eq + 1)..];
            if (result.ContainsKey(key))
                throw new UsageException($"'{key}' is given twice");
            result[key] = Value(value);
        }
        return result;
    }

    private static JsonNode? Value(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return integer;
        if (text is "true" or "false")
            return text == "true";
        if (text.StartsWith('{') || text.StartsWith('['))
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException ex)
            {
                throw new UsageException($"'{text}' looks like JSON but is not: {ex.Message}");
            }
        }
        return text;
    }

    private static Dictionary<string, string> Options(IEnumerable<string> words, string[] valued, string[] flags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        using var e = words.GetEnumerator();
        while (e.MoveNext())
        {
            var word = e.Current;
            if (flags.Contains(word))
            {
                result[word] = "true";
            }
            else if (valued.Contains(word))
            {
                if (!e.MoveNext())
                    throw new UsageException($"{word} needs a value");
                result[word] = e.Current;
            }
            else
            {
                throw new UsageException($"unexpected '{word}'");
            }
        }
        return result;
    }

    private static long? Integer(Dictionary<string, string> options, string name, bool required)
    {
        if (!options.TryGetValue(name, out var text))
            return required ? throw new UsageException($"{name} is required") : null;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            throw new UsageException($"{name} needs a whole number, not '{text}'");
        return value;
    }

    private static void NoMore(List<string> rest, string command)
    {
        if (rest.Count > 0)
            throw new UsageException($"'{command}' takes no arguments (got '{rest[0]}')");
    }

    private static ParsedCommand NoMoreThen(IEnumerable<string> rest, string command, ParsedCommand parsed)
    {
        NoMore(rest.ToList(), command);
        return parsed;
    }
}
