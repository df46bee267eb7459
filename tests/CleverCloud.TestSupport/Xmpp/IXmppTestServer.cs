namespace CleverCloud.TestSupport.Xmpp;

/// <summary>Settings shared by the real-server fixtures (<see cref="ProsodyServer"/>, <see cref="EjabberdServer"/>).</summary>
public sealed record XmppServerOptions
{
    /// <summary>The cluster's XMPP domain; the MUC service is rooms.DOMAIN.</summary>
    public string Domain { get; init; } = "clever.test";

    /// <summary>The loopback address to listen on (127.0.0.2, 127.0.0.3, … need no setup and model other hosts).</summary>
    public string Interface { get; init; } = ServerEnvironment.LoopbackHost;

    /// <summary>
    /// Extra configuration in the server's own syntax, inserted at global level: Lua lines for Prosody, YAML top-level
    /// keys for ejabberd (e.g. extra s2s settings).
    /// </summary>
    public string ExtraConfig { get; init; } = string.Empty;

    /// <summary>How long a (re)start may take before failing with the log's tail; generous for a loaded 2-core CI.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>A real XMPP server run by a test: where it listens, what to trust, and how to hurt it.</summary>
public interface IXmppTestServer : IAsyncDisposable
{
    /// <summary>"prosody" or "ejabberd".</summary>
    string Kind { get; }

    string Domain { get; }

    /// <summary>The MUC service's domain: rooms.DOMAIN.</summary>
    string MucDomain { get; }

    /// <summary>The address to connect to.</summary>
    string Host { get; }

    int C2sPort { get; }

    int S2sPort { get; }

    /// <summary>The server's self-signed certificate (PEM): the one certificate clients must trust.</summary>
    string CertificatePath { get; }

    string ConfigPath { get; }

    string DataDirectory { get; }

    /// <summary>The server's own log file.</summary>
    string LogPath { get; }

    /// <summary>The PID of the running server (its process-group leader), or null when stopped.</summary>
    int? ProcessId { get; }

    bool IsRunning { get; }

    /// <summary>Every live process of the server (its group and all descendants); empty when stopped.</summary>
    IReadOnlyList<int> ProcessIds();

    /// <summary>Creates an account USER@DOMAIN with the server's own admin tool; works while the server runs.</summary>
    Task RegisterAsync(string user, string password, CancellationToken cancellationToken = default);

    /// <summary>SIGKILLs the server (a crash, for failure tests) and waits until none of its processes is left.</summary>
    Task KillAsync();

    /// <summary>Stops the server in an orderly way (SIGTERM, then SIGKILL after a grace period).</summary>
    Task StopAsync();

    /// <summary>Starts the server again on the same ports, configuration and data (stopping it first if it runs).</summary>
    Task RestartAsync(CancellationToken cancellationToken = default);

    /// <summary>The server's log and captured output so far, for failure messages.</summary>
    string Diagnostics();
}

/// <summary>Starts either server by name, for fixtures parameterized over both: <c>[TestFixture("prosody")]</c>,
/// <c>[TestFixture("ejabberd")]</c>.</summary>
public static class XmppTestServers
{
    public static IReadOnlyList<string> Kinds { get; } = ["prosody", "ejabberd"];

    public static async Task<IXmppTestServer> StartAsync(string kind, XmppServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new XmppServerOptions();
        return kind switch
        {
            "prosody" => await ProsodyServer.StartAsync(options, cancellationToken).ConfigureAwait(false),
            "ejabberd" => await EjabberdServer.StartAsync(options, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentException($"Unknown XMPP server '{kind}'; expected one of: {string.Join(", ", Kinds)}.", nameof(kind)),
        };
    }
}
