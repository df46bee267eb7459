using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CleverCloud.TestSupport.Xmpp;

/// <summary>
/// A long-running server started in its own session and process group (via setsid), with standard output and error
/// appended to a file. The group id is the PID of the process started here. Orderly stops signal the group; kills and
/// the final check also cover every descendant, because some helpers leave the group: the Erlang VM's
/// erl_child_setup and its port programs (inet_gethost, memsup, eimp) each call setsid.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private const string SetsidPath = "/usr/bin/setsid";
    private const string KillPath = "/usr/bin/kill";
    private readonly Process process;
    private readonly Dictionary<int, string> known = [];

    private ServerProcess(Process process, string outputPath)
    {
        this.process = process;
        ProcessGroupId = process.Id;
        OutputPath = outputPath;
    }

    /// <summary>The PID of the process started, which is also its process-group id.</summary>
    public int ProcessGroupId { get; }

    /// <summary>The file receiving standard output and error.</summary>
    public string OutputPath { get; }

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Starts <paramref name="program"/> as the leader of a new process group, output appended to a file.</summary>
    public static ServerProcess Start(
        string program,
        IEnumerable<string> arguments,
        string outputPath,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(program))
        {
            throw new FileNotFoundException($"{program} is not installed.", program);
        }
        // setsid does not fork when its caller is not a group leader (a child of the test host never is), so the PID
        // seen here is the new session's and group's id. sh redirects and then execs the server in place.
        var startInfo = new ProcessStartInfo(SetsidPath)
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        startInfo.ArgumentList.Add("/bin/sh");
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("exec \"$0\" \"$@\" </dev/null >>\"$CLEVER_SERVER_OUTPUT\" 2>&1");
        startInfo.ArgumentList.Add(program);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        startInfo.Environment["CLEVER_SERVER_OUTPUT"] = outputPath;
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                startInfo.Environment[name] = value;
            }
        }
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{program} did not start.");
        return new ServerProcess(process, outputPath);
    }

    /// <summary>
    /// Waits until the server is ready: <paramref name="isReady"/> (given the log text written since the start) says
    /// so and a TCP connection to <paramref name="host"/>:<paramref name="port"/> is accepted. Fails fast when the process exits or
    /// <paramref name="failure"/> finds an error in the log; fails with the log's tail after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitUntilReadyAsync(
        string host,
        int port,
        Func<string> readLog,
        Func<string, bool> isReady,
        Func<string, string?> failure,
        TimeSpan timeout,
        string description,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var log = readLog();
            var error = failure(log);
            if (error is not null)
            {
                throw new InvalidOperationException($"{description} failed to start: {error}");
            }
            if (HasExited)
            {
                throw new InvalidOperationException(
                    $"{description} exited with code {ExitCode} before listening on port {port}.");
            }
            if (isReady(log) && await AcceptsConnectionAsync(host, port, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{description} did not listen on {host}:{port} within {timeout}.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends SIGTERM to the group, waits up to <paramref name="grace"/> for it and every descendant to exit, then
    /// SIGKILLs whatever is left.
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (ProcessIds().Count > 0)
        {
            await SignalAsync("TERM", ["-" + ProcessGroupId.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
            if (!await WaitUntilGoneAsync(grace).ConfigureAwait(false))
            {
                await KillAsync().ConfigureAwait(false);
            }
        }
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>SIGKILLs the group and every descendant, and waits until none of them is left.</summary>
    public async Task KillAsync()
    {
        var targets = ProcessIds().Select(pid => pid.ToString(CultureInfo.InvariantCulture)).ToList();
        if (targets.Count > 0)
        {
            targets.Add("-" + ProcessGroupId.ToString(CultureInfo.InvariantCulture));
            await SignalAsync("KILL", targets).ConfigureAwait(false);
        }
        if (!await WaitUntilGoneAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false))
        {
            throw new InvalidOperationException(
                $"Processes of group {ProcessGroupId} survived SIGKILL: {string.Join(", ", ProcessIds())}.");
        }
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>True while any process of the server is alive.</summary>
    public bool GroupIsAlive() => ProcessIds().Count > 0;

    /// <summary>
    /// The live (non-zombie) processes of the server: its process group, every descendant of the process started here,
    /// and every process seen that way before (a port program orphaned by a killed VM is still the server's).
    /// </summary>
    public IReadOnlyList<int> ProcessIds()
    {
        lock (known)
        {
            var table = ReadProcessTable();
            foreach (var (pid, startTime) in known.ToList())
            {
                if (!table.TryGetValue(pid, out var entry) || entry.StartTime != startTime || entry.IsZombie)
                {
                    known.Remove(pid);
                }
            }
            var roots = new Queue<int>(known.Keys.Append(ProcessGroupId));
            foreach (var (pid, entry) in table)
            {
                if (entry.ProcessGroup == ProcessGroupId && !entry.IsZombie)
                {
                    roots.Enqueue(pid);
                }
            }
            var visited = new HashSet<int>();
            while (roots.Count > 0)
            {
                var pid = roots.Dequeue();
                if (!visited.Add(pid) || !table.TryGetValue(pid, out var entry) || entry.IsZombie)
                {
                    continue;
                }
                known.TryAdd(pid, entry.StartTime);
                foreach (var (child, childEntry) in table)
                {
                    if (childEntry.Parent == pid)
                    {
                        roots.Enqueue(child);
                    }
                }
            }
            return [.. known.Keys.Order()];
        }
    }

    /// <summary>The live (non-zombie) processes whose process group is <paramref name="processGroupId"/>.</summary>
    public static IReadOnlyList<int> GroupMembers(int processGroupId) =>
        [.. ReadProcessTable().Where(pair => pair.Value.ProcessGroup == processGroupId && !pair.Value.IsZombie).Select(pair => pair.Key).Order()];

    /// <summary>True if a process with this PID exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose() => process.Dispose();

    private async Task<bool> WaitUntilGoneAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (ProcessIds().Count > 0)
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), CancellationToken.None).ConfigureAwait(false);
        }
        return true;
    }

    private static async Task SignalAsync(string signal, IReadOnlyList<string> targets)
    {
        // A negative PID addresses a process group. kill exits non-zero when a target is already gone, which is
        // fine: the callers wait until nothing is left and fail if something survives.
        await ToolRunner.RunAsync(KillPath, ["-s", signal, "--", .. targets], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    private readonly record struct ProcessEntry(int Parent, int ProcessGroup, bool IsZombie, string StartTime);

    private static Dictionary<int, ProcessEntry> ReadProcessTable()
    {
        var table = new Dictionary<int, ProcessEntry>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                continue; // exited while we looked
            }
            // "pid (comm) state ppid pgrp session … starttime(22nd field)"; comm may contain spaces and parentheses.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 19
                && int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent)
                && int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var group))
            {
                table[pid] = new ProcessEntry(parent, group, fields[0] is "Z" or "X", fields[19]);
            }
        }
        return table;
    }

    private static async Task<bool> AcceptsConnectionAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await probe.ConnectAsync(new IPEndPoint(IPAddress.Parse(host), port), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
