using System.Diagnostics;
using System.Globalization;

namespace CleverCloud.TestSupport.Xmpp;

/// <summary>
/// A real ejabberd 23.01 (the paper's server) run in the foreground through ejabberdctl as the ejabberd user, with its
/// own configuration (rendered from deploy/ejabberd/), Erlang node name, distribution port (so no epmd), Mnesia spool,
/// self-signed certificate and free loopback ports. Same API as <see cref="ProsodyServer"/>.
/// <code>
/// await using var server = await EjabberdServer.StartAsync();
/// await server.RegisterAsync("cm", "secret"); // boots an Erlang VM per call: about a second
/// </code>
/// </summary>
public sealed class EjabberdServer : IXmppTestServer
{
    private const string EjabberdctlPath = "/usr/sbin/ejabberdctl";
    private const string SetprivPath = "/usr/bin/setpriv";
    private const string ChownPath = "/usr/bin/chown";
    private const string ServiceUser = "ejabberd";
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    private readonly XmppServerOptions options;
    private readonly string workDirectory;
    private readonly string nodeId = Guid.NewGuid().ToString("N")[..10];
    private ServerProcess? process;
    private bool disposed;

    private EjabberdServer(XmppServerOptions options, string workDirectory, int c2sPort, int s2sPort, int distributionPort)
    {
        this.options = options;
        this.workDirectory = workDirectory;
        C2sPort = c2sPort;
        S2sPort = s2sPort;
        DistributionPort = distributionPort;
    }

    public string Kind => "ejabberd";

    public string Domain => options.Domain;

    public string MucDomain => "rooms." + options.Domain;

    public string Host => options.Interface;

    public int C2sPort { get; }

    public int S2sPort { get; }

    /// <summary>The Erlang distribution port ejabberdctl uses to reach the node (ERL_DIST_PORT; no epmd).</summary>
    public int DistributionPort { get; }

    /// <summary>The Erlang node name, unique per instance.</summary>
    public string NodeName => $"ejabberd_{nodeId}@127.0.0.1";

    public string CertificatePath => Path.Combine(workDirectory, "certs", "server.crt");

    public string KeyPath => Path.Combine(workDirectory, "certs", "server.key");

    public string ConfigPath => Path.Combine(workDirectory, "ejabberd.yml");

    public string ControlConfigPath => Path.Combine(workDirectory, "ejabberdctl.cfg");

    /// <summary>The Mnesia spool (accounts, persistent rooms).</summary>
    public string DataDirectory => Path.Combine(workDirectory, "db");

    public string LogDirectory => Path.Combine(workDirectory, "logs");

    public string LogPath => Path.Combine(LogDirectory, "ejabberd.log");

    /// <summary>ejabberdctl's and the VM's standard output and error.</summary>
    public string ConsolePath => Path.Combine(workDirectory, "console.log");

    public string PidFilePath => Path.Combine(workDirectory, "ejabberd.pid");

    /// <summary>The whole private folder (configuration, certificates, spool, logs); deleted on dispose.</summary>
    public string WorkDirectory => workDirectory;

    public int? ProcessId => process is { HasExited: false } running ? running.ProcessGroupId : null;

    public bool IsRunning => process is { HasExited: false };

    public IReadOnlyList<int> ProcessIds() => process?.ProcessIds() ?? [];

    /// <summary>How long the last (re)start took until the c2s port answered.</summary>
    public TimeSpan LastStartDuration { get; private set; }

    public static Task<EjabberdServer> StartAsync(string domain = "clever.test", CancellationToken ct = default)
        => StartAsync(new XmppServerOptions { Domain = domain }, ct);

    public static async Task<EjabberdServer> StartAsync(XmppServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Domain);
        if (!System.Net.IPAddress.TryParse(options.Interface, out _))
        {
            throw new ArgumentException($"Interface must be an IP address (no DNS here), not '{options.Interface}'.", nameof(options));
        }
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The ejabberd fixture runs Debian's ejabberd package: Linux only.");
        }
        if (!File.Exists(EjabberdctlPath))
        {
            throw new FileNotFoundException("ejabberd is not installed (apt-get install ejabberd).", EjabberdctlPath);
        }
        if (!ServerEnvironment.IsRoot && !string.Equals(Environment.UserName, ServiceUser, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"ejabberdctl runs only as root or as the '{ServiceUser}' user; the tests run as '{Environment.UserName}'.");
        }
        var workDirectory = ServerEnvironment.CreateWorkDirectory("ejabberd");
        var server = new EjabberdServer(
            options, workDirectory, ServerEnvironment.FreeLoopbackPort(), ServerEnvironment.FreeLoopbackPort(), ServerEnvironment.FreeLoopbackPort());
        try
        {
            await server.PrepareAsync(ct).ConfigureAwait(false);
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

    /// <summary>
    /// Creates USER@DOMAIN with <c>ejabberdctl register</c>. Each call boots a second Erlang VM that reaches the node
    /// over the distribution port (0.4–1.3 s measured): fine for a few accounts; register many in-band instead.
    /// </summary>
    public async Task RegisterAsync(string user, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user);
        ArgumentException.ThrowIfNullOrEmpty(password);
        ObjectDisposedException.ThrowIf(disposed, this);
        var result = await RunControlAsync(["register", user, Domain, password], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"ejabberdctl register {user} {Domain} failed with exit code {result.ExitCode}: {result.CombinedOutput}");
        }
    }

    /// <summary>Runs any ejabberdctl command against this node (as the ejabberd user, with this node's settings).</summary>
    public Task<ToolResult> RunControlAsync(IEnumerable<string> command, CancellationToken cancellationToken = default)
    {
        var (program, arguments) = ControlCommand(command);
        return ToolRunner.RunAsync(program, arguments, TimeSpan.FromSeconds(60), ControlEnvironment(), cancellationToken: cancellationToken);
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
        $"--- {LogPath} ---\n{ServerEnvironment.Tail(LogPath)}\n--- {ConsolePath} ---\n{ServerEnvironment.Tail(ConsolePath, 30)}";

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
            TestContext.Progress.WriteLine($"ejabberd fixture: could not remove {workDirectory}: {exception.Message}");
        }
    }

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(LogDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(CertificatePath)!);
        ServerEnvironment.WriteSelfSignedCertificate(CertificatePath, KeyPath, [Domain, MucDomain], Host);
        var deploy = ServerEnvironment.DeployDirectory("ejabberd");
        var configuration = ServerEnvironment.Render(File.ReadAllText(Path.Combine(deploy, "ejabberd.yml.template")), new Dictionary<string, string>
        {
            ["DOMAIN"] = Domain,
            ["MUC_DOMAIN"] = MucDomain,
            ["C2S_PORT"] = C2sPort.ToString(CultureInfo.InvariantCulture),
            ["S2S_PORT"] = S2sPort.ToString(CultureInfo.InvariantCulture),
            ["INTERFACE"] = Host,
            ["DATA_DIR"] = workDirectory,
            ["CERT"] = CertificatePath,
            ["KEY"] = KeyPath,
            ["REGISTRATION_NETWORK"] = Host + "/32",
            ["EXTRA_CONFIG"] = options.ExtraConfig,
        });
        await File.WriteAllTextAsync(ConfigPath, configuration, cancellationToken).ConfigureAwait(false);
        var control = ServerEnvironment.Render(File.ReadAllText(Path.Combine(deploy, "ejabberdctl.cfg.template")), new Dictionary<string, string>
        {
            ["ID"] = nodeId,
            ["DIST_PORT"] = DistributionPort.ToString(CultureInfo.InvariantCulture),
            ["PID_FILE"] = PidFilePath,
        });
        await File.WriteAllTextAsync(ControlConfigPath, control, cancellationToken).ConfigureAwait(false);
        File.Copy(Path.Combine(deploy, "inetrc"), Path.Combine(workDirectory, "inetrc"));
        if (ServerEnvironment.IsRoot)
        {
            var chown = await ToolRunner.RunAsync(
                ChownPath, ["-R", $"{ServiceUser}:{ServiceUser}", workDirectory], TimeSpan.FromSeconds(30),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (chown.ExitCode != 0)
            {
                throw new InvalidOperationException($"chown -R {ServiceUser} {workDirectory} failed: {chown.CombinedOutput}");
            }
        }
    }

    /// <summary>
    /// ejabberdctl with this node's directories. As root it is started through setpriv as the ejabberd user: letting
    /// ejabberdctl switch with su would reset HOME (so the Erlang cookie) and the open-files limit.
    /// </summary>
    private (string Program, List<string> Arguments) ControlCommand(IEnumerable<string> command)
    {
        var arguments = new List<string>();
        var program = EjabberdctlPath;
        if (ServerEnvironment.IsRoot)
        {
            program = SetprivPath;
            arguments.AddRange([$"--reuid={ServiceUser}", $"--regid={ServiceUser}", "--init-groups", EjabberdctlPath]);
        }
        arguments.AddRange([
            "--config-dir", workDirectory,
            "--config", ConfigPath,
            "--ctl-config", ControlConfigPath,
            "--logs", LogDirectory,
            "--spool", DataDirectory,
        ]);
        arguments.AddRange(command);
        return (program, arguments);
    }

    // The Erlang cookie lives in $HOME: a private HOME gives each instance its own cookie, shared by its ctl calls.
    private Dictionary<string, string> ControlEnvironment() => new() { ["HOME"] = workDirectory };

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        process?.Dispose();
        process = null;
        var clock = Stopwatch.StartNew();
        var logOffset = ServerEnvironment.LengthOf(LogPath);
        var (program, arguments) = ControlCommand(["foreground"]);
        var started = ServerProcess.Start(program, arguments, ConsolePath, workDirectory, ControlEnvironment());
        process = started;
        var c2sReady = $"Start accepting TCP connections at {Host}:{C2sPort} for ejabberd_c2s";
        try
        {
            await started.WaitUntilReadyAsync(
                Host,
                C2sPort,
                () => ServerEnvironment.ReadFrom(LogPath, logOffset),
                log => log.Contains(c2sReady, StringComparison.Ordinal),
                FindStartFailure,
                options.StartTimeout,
                $"ejabberd ({ConfigPath})",
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
        foreach (var line in log.Split('\n'))
        {
            if (line.Contains("[critical]", StringComparison.Ordinal))
            {
                return line.Trim();
            }
        }
        return null;
    }
}
