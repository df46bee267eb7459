using System.Diagnostics;
using System.Globalization;

namespace CleverCloud.TestSupport.Xmpp;

/// <summary>
/// A real Prosody 0.12 run as a child process with its own configuration (rendered from
/// deploy/prosody/prosody.cfg.lua.template), self-signed certificate, data directory and free loopback ports.
/// <code>
/// await using var server = await ProsodyServer.StartAsync();
/// await server.RegisterAsync("cm", "secret");
/// // connect to server.Host:server.C2sPort, trust server.CertificatePath, join a room at server.MucDomain
/// </code>
/// </summary>
public sealed class ProsodyServer : IXmppTestServer
{
    private const string ProsodyPath = "/usr/bin/prosody";
    private const string ProsodyctlPath = "/usr/bin/prosodyctl";
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private readonly XmppServerOptions options;
    private readonly string workDirectory;
    private ServerProcess? process;
    private bool disposed;

    private ProsodyServer(XmppServerOptions options, string workDirectory, int c2sPort, int s2sPort)
    {
        this.options = options;
        this.workDirectory = workDirectory;
        C2sPort = c2sPort;
        S2sPort = s2sPort;
    }

    public string Kind => "prosody";

    public string Domain => options.Domain;

    public string MucDomain => "rooms." + options.Domain;

    public string Host => options.Interface;

    public int C2sPort { get; }

    public int S2sPort { get; }

    public string CertificatePath => Path.Combine(workDirectory, "certs", "server.crt");

    public string KeyPath => Path.Combine(workDirectory, "certs", "server.key");

    public string ConfigPath => Path.Combine(workDirectory, "prosody.cfg.lua");

    public string DataDirectory => Path.Combine(workDirectory, "data");

    public string LogPath => Path.Combine(workDirectory, "prosody.log");

    /// <summary>Prosody's standard output and error (startup banners, errors printed to the console).</summary>
    public string ConsolePath => Path.Combine(workDirectory, "console.log");

    public string PidFilePath => Path.Combine(workDirectory, "prosody.pid");

    /// <summary>The whole private folder (configuration, certificates, data, logs); deleted on dispose.</summary>
    public string WorkDirectory => workDirectory;

    public int? ProcessId => process is { HasExited: false } running ? running.ProcessGroupId : null;

    public bool IsRunning => process is { HasExited: false };

    public IReadOnlyList<int> ProcessIds() => process?.ProcessIds() ?? [];

    /// <summary>How long the last (re)start took until the c2s port answered.</summary>
    public TimeSpan LastStartDuration { get; private set; }

    public static Task<ProsodyServer> StartAsync(string domain = "clever.test", CancellationToken ct = default)
        => StartAsync(new XmppServerOptions { Domain = domain }, ct);

    public static async Task<ProsodyServer> StartAsync(XmppServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Domain);
        if (!System.Net.IPAddress.TryParse(options.Interface, out _))
        {
            throw new ArgumentException($"Interface must be an IP address (no DNS here), not '{options.Interface}'.", nameof(options));
        }
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The Prosody fixture runs Debian's prosody package: Linux only.");
        }
        if (!File.Exists(ProsodyPath))
        {
            throw new FileNotFoundException("Prosody is not installed (apt-get install prosody).", ProsodyPath);
        }
        var workDirectory = ServerEnvironment.CreateWorkDirectory("prosody");
        var server = new ProsodyServer(options, workDirectory, ServerEnvironment.FreeLoopbackPort(), ServerEnvironment.FreeLoopbackPort());
        try
        {
            server.Prepare();
            await server.LaunchAsync(ct).ConfigureAwait(false);
            return server;
        }
        catch
        {
            // Not a swallow: the half-started server is torn down and the original failure propagates.
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task RegisterAsync(string user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentException.ThrowIfNullOrEmpty(password);
        ObjectDisposedException.ThrowIf(disposed, this);
        var result = await ToolRunner.RunAsync(
            ProsodyctlPath, ["--config", ConfigPath, "register", user, Domain, password],
            TimeSpan.FromSeconds(30), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"prosodyctl register {user} {Domain} failed with exit code {result.ExitCode}: {result.CombinedOutput}");
        }
    }

    public async Task KillAsync()
    {
        var running = process;
        if (running is not null)
        {
            await running.KillAsync().ConfigureAwait(false);
        }
    }

    public async Task StopAsync()
    {
        var running = process;
        if (running is not null)
        {
            await running.StopAsync(StopGrace).ConfigureAwait(false);
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        await StopAsync().ConfigureAwait(false);
        await LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    public string Diagnostics() =>
        $"--- {LogPath} ---\n{ServerEnvironment.Tail(LogPath)}\n--- {ConsolePath} ---\n{ServerEnvironment.Tail(ConsolePath, 20)}";

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        var running = process;
        process = null;
        if (running is not null)
        {
            await running.StopAsync(StopGrace).ConfigureAwait(false);
            running.Dispose();
        }
        try
        {
            Directory.Delete(workDirectory, recursive: true);
        }
        catch (IOException exception)
        {
            TestContext.Progress.WriteLine($"Prosody fixture: could not remove {workDirectory}: {exception.Message}");
        }
    }

    private void Prepare()
    {
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(CertificatePath)!);
        ServerEnvironment.WriteSelfSignedCertificate(CertificatePath, KeyPath, [Domain, MucDomain], Host);
        var template = File.ReadAllText(Path.Combine(ServerEnvironment.DeployDirectory("prosody"), "prosody.cfg.lua.template"));
        var configuration = ServerEnvironment.Render(template, new Dictionary<string, string>
        {
            ["DOMAIN"] = Domain,
            ["MUC_DOMAIN"] = MucDomain,
            ["C2S_PORT"] = C2sPort.ToString(CultureInfo.InvariantCulture),
            ["S2S_PORT"] = S2sPort.ToString(CultureInfo.InvariantCulture),
            ["INTERFACE"] = Host,
            ["DATA_DIR"] = DataDirectory,
            ["PID_FILE"] = PidFilePath,
            ["LOG_FILE"] = LogPath,
            ["CERT"] = CertificatePath,
            ["KEY"] = KeyPath,
            ["CERT_DIR"] = Path.GetDirectoryName(CertificatePath)!,
            ["RUN_AS_ROOT"] = ServerEnvironment.IsRoot ? "true" : "false",
            ["REGISTRATION_ALLOWLIST"] = Host == ServerEnvironment.LoopbackHost
                ? $"{{ \"{Host}\" }}"
                : $"{{ \"{ServerEnvironment.LoopbackHost}\"; \"{Host}\" }}",
            ["EXTRA_CONFIG"] = options.ExtraConfig,
        });
        File.WriteAllText(ConfigPath, configuration);
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        process?.Dispose();
        process = null;
        var clock = Stopwatch.StartNew();
        var logOffset = ServerEnvironment.LengthOf(LogPath);
        var started = ServerProcess.Start(ProsodyPath, ["-F", "--config", ConfigPath], ConsolePath, workDirectory);
        process = started;
        var c2sReady = $"Activated service 'c2s' on [{Host}]:{C2sPort}";
        try
        {
            await started.WaitUntilReadyAsync(
                Host,
                C2sPort,
                () => ServerEnvironment.ReadFrom(LogPath, logOffset),
                log => log.Contains(c2sReady, StringComparison.Ordinal),
                FindStartFailure,
                options.StartTimeout,
                $"Prosody ({ConfigPath})",
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            await started.KillAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{exception.Message}\n{Diagnostics()}", exception);
        }
        catch (OperationCanceledException)
        {
            await started.KillAsync().ConfigureAwait(false);
            throw;
        }
        LastStartDuration = clock.Elapsed;
    }

    private static string? FindStartFailure(string log)
    {
        // Prosody keeps running when a port is taken (it only logs), so a busy port must be caught here: otherwise the
        // connection probe would reach the other program.
        foreach (var line in log.Split('\n'))
        {
            if (line.Contains("Failed to open server port", StringComparison.Ordinal)
                || line.Contains("\terror\tError loading", StringComparison.Ordinal)
                || line.Contains("Unable to load", StringComparison.Ordinal))
            {
                return line.Trim();
            }
        }
        return null;
    }
}
