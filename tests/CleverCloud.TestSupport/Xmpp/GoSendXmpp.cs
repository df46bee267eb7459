using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CleverCloud.TestSupport.Xmpp;

/// <summary>An XMPP account on a test server, as an independent client sees it.</summary>
public sealed record XmppAccount(string User, string Domain, string Password)
{
    public string Jid => User + "@" + Domain;
}

/// <summary>
/// Runs go-sendxmpp (Debian package go-sendxmpp), an XMPP client written independently of CleverCloud, for interop
/// tests. It connects to <c>-j host:port</c> with STARTTLS and verifies the server certificate against the file named
/// by SSL_CERT_FILE (Go's standard root-store override), which is set to the fixture's own certificate: nothing is
/// "accepted blindly" unless a caller explicitly passes <c>insecureSkipVerify</c> (go-sendxmpp's <c>-n</c>).
/// Message text goes through standard input. go-sendxmpp cannot register accounts: use the fixture's RegisterAsync.
/// </summary>
public static class GoSendXmpp
{
    public const string ExecutablePath = "/usr/bin/go-sendxmpp";

    /// <summary>The arguments that log <paramref name="account"/> in to <paramref name="server"/> (no config file).</summary>
    public static IReadOnlyList<string> ConnectionArguments(IXmppTestServer server, XmppAccount account, bool insecureSkipVerify = false)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(account);
        var arguments = new List<string>
        {
            // -f /dev/null: never read ~/.config/go-sendxmpp/sendxmpprc of whoever runs the tests.
            "-f", "/dev/null",
            "-u", account.Jid,
            "-p", account.Password,
            "-j", server.Host + ":" + server.C2sPort.ToString(CultureInfo.InvariantCulture),
            "--timeout", "20",
        };
        if (insecureSkipVerify)
        {
            arguments.Add("-n");
        }
        return arguments;
    }

    /// <summary>The environment that makes go-sendxmpp trust exactly the server's self-signed certificate.</summary>
    public static IReadOnlyDictionary<string, string> TrustEnvironment(IXmppTestServer server) => new Dictionary<string, string>
    {
        ["SSL_CERT_FILE"] = server.CertificatePath,
        ["SSL_CERT_DIR"] = "/nonexistent",
    };

    /// <summary>Sends a one-to-one chat message from <paramref name="from"/> to <paramref name="toJid"/>.</summary>
    public static async Task<ToolResult> SendAsync(
        IXmppTestServer server, XmppAccount from, string toJid, string message, CancellationToken cancellationToken = default)
    {
        var arguments = ConnectionArguments(server, from).Append(toJid);
        return Check(await RunAsync(server, arguments, message, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Joins <paramref name="roomJid"/> as <paramref name="nick"/> (-c -a) and sends a groupchat message.</summary>
    public static async Task<ToolResult> SendToRoomAsync(
        IXmppTestServer server, XmppAccount from, string roomJid, string nick, string message, CancellationToken cancellationToken = default)
    {
        var arguments = ConnectionArguments(server, from).Concat(["-c", "-a", nick, roomJid]);
        return Check(await RunAsync(server, arguments, message, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Runs go-sendxmpp with any arguments, trusting the server's certificate; the caller checks the result.</summary>
    public static Task<ToolResult> RunAsync(
        IXmppTestServer server, IEnumerable<string> arguments, string? standardInput, TimeSpan timeout, CancellationToken cancellationToken = default)
        => ToolRunner.RunAsync(ExecutablePath, arguments, timeout, TrustEnvironment(server), standardInput, cancellationToken);

    /// <summary>
    /// Starts <c>go-sendxmpp -l</c> for <paramref name="account"/> (and, with <paramref name="roomJid"/>, joined to that
    /// room as <paramref name="nick"/>): every received message is printed as a line, see <see cref="GoSendXmppListener"/>.
    /// </summary>
    public static GoSendXmppListener Listen(IXmppTestServer server, XmppAccount account, string? roomJid = null, string? nick = null)
    {
        var arguments = ConnectionArguments(server, account).ToList();
        arguments.Add("-l");
        if (roomJid is not null)
        {
            arguments.AddRange(["-c", "-a", nick ?? account.User, roomJid]);
        }
        return GoSendXmppListener.Start(ExecutablePath, arguments, TrustEnvironment(server));
    }

    private static ToolResult Check(ToolResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"go-sendxmpp failed with exit code {result.ExitCode}: {result.CombinedOutput}");
        }
        return result;
    }
}

/// <summary>A running <c>go-sendxmpp -l</c>: collects what it prints; disposing kills it.</summary>
public sealed class GoSendXmppListener : IAsyncDisposable
{
    private readonly Process process;
    private readonly List<string> lines = [];
    private readonly StringBuilder errors = new();
    private readonly SemaphoreSlim changed = new(0);

    private GoSendXmppListener(Process process) => this.process = process;

    /// <summary>Everything printed to standard output so far, one entry per line.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }

    public bool HasExited => process.HasExited;

    internal static GoSendXmppListener Start(string path, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var startInfo = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{path} did not start.");
        var listener = new GoSendXmppListener(process);
        process.OutputDataReceived += (_, e) => listener.OnLine(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => listener.OnLine(e.Data, isError: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return listener;
    }

    /// <summary>
    /// Waits for a printed line matching <paramref name="predicate"/>; fails with everything printed when the listener
    /// exits or <paramref name="timeout"/> passes first.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        while (true)
        {
            var match = Lines.FirstOrDefault(predicate);
            if (match is not null)
            {
                return match;
            }
            if (process.HasExited)
            {
                throw new InvalidOperationException($"go-sendxmpp -l exited with code {process.ExitCode}; {Printed()}");
            }
            try
            {
                // Woken by each new line; the short period also notices the process exiting.
                await changed.WaitAsync(TimeSpan.FromMilliseconds(200), timeoutSource.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"go-sendxmpp -l printed no matching line within {timeout}; {Printed()}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        process.Dispose();
        changed.Dispose();
    }

    private string Printed()
    {
        lock (errors)
        {
            return $"stdout: [{string.Join(" | ", Lines)}] stderr: [{errors}]";
        }
    }

    private void OnLine(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }
        if (isError)
        {
            lock (errors)
            {
                errors.AppendLine(line);
            }
        }
        else
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }
        changed.Release();
    }
}
