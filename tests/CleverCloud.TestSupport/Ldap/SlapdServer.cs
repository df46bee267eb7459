using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CleverCloud.TestSupport.Ldap;

/// <summary>What the test needs from its private slapd.</summary>
public sealed record SlapdServerOptions
{
    public string BaseDn { get; init; } = "dc=clevercloud,dc=test";

    /// <summary>Also serve StartTLS on <see cref="SlapdServer.Uri"/> and ldaps on <see cref="SlapdServer.LdapsUri"/>
    /// with a self-signed certificate made by openssl for 127.0.0.1 (see <see cref="SlapdServer.TlsCertificateFile"/>).</summary>
    public bool EnableTls { get; init; }

    /// <summary>slapd's -d level: 0 prints only fatal errors; 256 (stats) logs every connection and operation.</summary>
    public int DebugLevel { get; init; }

    /// <summary>How long slapd may take to answer after start; generous because CI is a loaded 2-core machine.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// A real OpenLDAP slapd, run in the foreground as a child process with its own configuration (rendered from
/// deploy/ldap/slapd.conf.template), mdb database and free loopback port, loaded with deploy/ldap/layout.ldif.
/// One per test fixture class: <c>await SlapdServer.StartNewAsync()</c> in OneTimeSetUp, DisposeAsync in
/// OneTimeTearDown. <see cref="StopAsync"/> and <see cref="StartAsync"/> stop and restart it on the same port and
/// data, for "directory down" tests.
/// </summary>
public sealed class SlapdServer : IAsyncDisposable
{
    public const string BindPasswordValue = "clever-test-rootpw";
    private const string SchemaDirectory = "/etc/ldap/schema";
    private const string ModuleDirectory = "/usr/lib/ldap";
    private const string SlapdBinary = "/usr/sbin/slapd";

    private readonly SlapdServerOptions options;
    private readonly string workDirectory;
    private readonly StringBuilder output = new();
    private readonly int port;
    private readonly int ldapsPort;
    private Process? process;

    private SlapdServer(SlapdServerOptions options, string workDirectory, int port, int ldapsPort)
    {
        this.options = options;
        this.workDirectory = workDirectory;
        this.port = port;
        this.ldapsPort = ldapsPort;
    }

    /// <summary>ldap://127.0.0.1:PORT (StartTLS is offered there when TLS is enabled).</summary>
    public string Uri => $"ldap://127.0.0.1:{port}";

    /// <summary>ldaps://127.0.0.1:PORT when TLS is enabled, else null.</summary>
    public string? LdapsUri => options.EnableTls ? $"ldaps://127.0.0.1:{ldapsPort}" : null;

    public int Port => port;

    public string BaseDn => options.BaseDn;

    /// <summary>The root DN: the only writer, as the CA is in production.</summary>
    public string BindDn => "cn=admin," + options.BaseDn;

    public string BindPassword => BindPasswordValue;

    /// <summary>The server's self-signed certificate (PEM) to trust for StartTLS/ldaps; null without TLS.</summary>
    public string? TlsCertificateFile => options.EnableTls ? Path.Combine(workDirectory, "server-cert.pem") : null;

    /// <summary>The private directory holding slapd.conf, the database and the TLS files.</summary>
    public string WorkDirectory => workDirectory;

    public bool IsRunning => process is { HasExited: false };

    /// <summary>Everything slapd printed so far (print it when a test fails).</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static async Task<SlapdServer> StartNewAsync(SlapdServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SlapdServerOptions();
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The slapd fixture runs the Debian slapd package: Linux only.");
        }
        RequireBinary(SlapdBinary, "slapd");
        RequireBinary(FindOnPath("ldapadd"), "ldap-utils");
        // Another process may grab the free port between our probe and slapd's bind (test assemblies run in
        // parallel on CI); slapd then exits at once, and a fresh port is tried.
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var workDirectory = Path.Combine(Path.GetTempPath(), "clever-slapd-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(workDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.CreateDirectory(Path.Combine(workDirectory, "data"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var server = new SlapdServer(options, workDirectory, FreeLoopbackPort(), options.EnableTls ? FreeLoopbackPort() : 0);
            try
            {
                if (options.EnableTls)
                {
                    await server.CreateServerCertificateAsync(cancellationToken).ConfigureAwait(false);
                }
                server.RenderConfiguration();
                await server.StartAsync(cancellationToken).ConfigureAwait(false);
                await server.LoadLayoutAsync(cancellationToken).ConfigureAwait(false);
                return server;
            }
            catch (SlapdExitedException) when (attempt < attempts)
            {
                TestContext.Progress.WriteLine($"slapd fixture: slapd exited at start on port {server.Port} (attempt {attempt}); retrying on another port.");
                await server.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                // Not a swallow: the server is torn down and the original failure propagates.
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Starts (or restarts, after <see cref="StopAsync"/>) slapd on the same port and data; returns once it answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("slapd is already running.");
        }
        var listen = options.EnableTls ? $"{Uri}/ {LdapsUri}/" : $"{Uri}/";
        var startInfo = new ProcessStartInfo(SlapdBinary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDirectory,
        };
        foreach (var argument in new[] { "-d", options.DebugLevel.ToString(System.Globalization.CultureInfo.InvariantCulture), "-h", listen, "-f", Path.Combine(workDirectory, "slapd.conf") })
        {
            startInfo.ArgumentList.Add(argument);
        }
        var started = Process.Start(startInfo) ?? throw new InvalidOperationException("slapd did not start.");
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        await WaitUntilAnsweringAsync(started, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops slapd (kill by PID) and waits for it to exit; the data and port stay for <see cref="StartAsync"/>.</summary>
    public async Task StopAsync()
    {
        var running = process;
        if (running is null)
        {
            return;
        }
        process = null;
        using (running)
        {
            if (!running.HasExited)
            {
                // SIGKILL is safe here: LMDB commits are durable and a killed writer leaves no corruption, which is
                // also what a crashed production slapd would look like to the agents. It also ends a paused slapd.
                running.Kill(entireProcessTree: true);
            }
            await running.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Freezes slapd (SIGSTOP): connections are accepted by the kernel but never answered, like a hung server.</summary>
    public Task PauseAsync(CancellationToken cancellationToken = default) => SignalAsync("-STOP", cancellationToken);

    /// <summary>Lets a paused slapd run again (SIGCONT).</summary>
    public Task ResumeAsync(CancellationToken cancellationToken = default) => SignalAsync("-CONT", cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(workDirectory, recursive: true);
        }
        catch (IOException exception)
        {
            TestContext.Progress.WriteLine($"slapd fixture: could not remove {workDirectory}: {exception.Message}");
        }
    }

    /// <summary>Runs the real ldapsearch (ldap-utils) anonymously against this server and returns its LDIF output.</summary>
    public async Task<string> LdapSearchAsync(string baseDn, string filter, IEnumerable<string> attributes, CancellationToken cancellationToken = default)
    {
        // -o ldif-wrap=no keeps base64 values on one line so the test can parse them without unfolding.
        var arguments = new List<string> { "-x", "-LLL", "-o", "ldif-wrap=no", "-H", Uri + "/", "-b", baseDn, filter };
        arguments.AddRange(attributes);
        var result = await RunToolAsync("ldapsearch", "ldap-utils", arguments, standardInput: null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0 && result.ExitCode != 32)
        {
            throw new InvalidOperationException($"ldapsearch failed with exit code {result.ExitCode}: {result.StandardError}");
        }
        return result.StandardOutput;
    }

    /// <summary>Runs the real ldapmodify (ldap-utils) bound as the root DN with the given LDIF.</summary>
    public async Task<ToolResult> LdapModifyAsync(string ldif, CancellationToken cancellationToken = default)
    {
        var arguments = new List<string> { "-x", "-H", Uri + "/", "-D", BindDn, "-w", BindPassword };
        return await RunToolAsync("ldapmodify", "ldap-utils", arguments, ldif, cancellationToken).ConfigureAwait(false);
    }

    public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Runs a command-line tool; fails naming the apt package when it is not installed.</summary>
    public static async Task<ToolResult> RunToolAsync(string tool, string aptPackage, IEnumerable<string> arguments, string? standardInput, CancellationToken cancellationToken)
    {
        var path = FindOnPath(tool);
        RequireBinary(path, aptPackage);
        var startInfo = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var child = Process.Start(startInfo) ?? throw new InvalidOperationException($"{tool} did not start.");
        var stdout = child.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = child.StandardError.ReadToEndAsync(cancellationToken);
        if (standardInput is not null)
        {
            await child.StandardInput.WriteAsync(standardInput.AsMemory(), cancellationToken).ConfigureAwait(false);
            child.StandardInput.Close();
        }
        await child.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return new ToolResult(child.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private async Task SignalAsync(string signal, CancellationToken cancellationToken)
    {
        var running = process ?? throw new InvalidOperationException("slapd is not running.");
        var result = await RunToolAsync("kill", "procps", [signal, running.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {running.Id} failed: {result.StandardError}");
        }
    }

    private async Task WaitUntilAnsweringAsync(Process started, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (started.HasExited)
            {
                // slapd -d 0 prints little; slaptest explains a configuration error, and a clean slaptest points at
                // the port (taken by another process).
                var check = await RunToolAsync("slaptest", "slapd", ["-u", "-f", Path.Combine(workDirectory, "slapd.conf")], null, cancellationToken).ConfigureAwait(false);
                throw new SlapdExitedException(Failure(
                    $"slapd exited with code {started.ExitCode} before answering on {Uri}; slaptest says (exit {check.ExitCode}): {check.StandardError.Trim()}").Message);
            }
            // slapd opens its listener only after the database is ready, so an accepted connection means "ready".
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                try
                {
                    await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (SocketException)
                {
                    // Not listening yet: poll again below.
                }
            }
            if (deadline.Elapsed > options.StartTimeout)
            {
                throw Failure($"slapd did not answer on {Uri} within {options.StartTimeout}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task LoadLayoutAsync(CancellationToken cancellationToken)
    {
        var firstRdnValue = options.BaseDn.Split(',')[0].Split('=', 2)[1];
        var ldif = File.ReadAllText(Path.Combine(DeployDirectory(), "layout.ldif"))
            .Replace("{{SUFFIX}}", options.BaseDn, StringComparison.Ordinal)
            .Replace("{{SUFFIX_DC}}", firstRdnValue, StringComparison.Ordinal);
        var layout = Path.Combine(workDirectory, "layout.ldif");
        await File.WriteAllTextAsync(layout, ldif, cancellationToken).ConfigureAwait(false);
        var result = await RunToolAsync(
            "ldapadd", "ldap-utils", ["-x", "-H", Uri + "/", "-D", BindDn, "-w", BindPassword, "-f", layout], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw Failure($"ldapadd of the layout failed with exit code {result.ExitCode}: {result.StandardError}");
        }
    }

    private void RenderConfiguration()
    {
        var tls = options.EnableTls
            ? $"TLSCertificateFile {TlsCertificateFile}\nTLSCertificateKeyFile {Path.Combine(workDirectory, "server-key.pem")}\n"
            : string.Empty;
        var configuration = File.ReadAllText(Path.Combine(DeployDirectory(), "slapd.conf.template"))
            .Replace("{{SCHEMA_DIR}}", SchemaDirectory, StringComparison.Ordinal)
            .Replace("{{MODULE_DIR}}", ModuleDirectory, StringComparison.Ordinal)
            .Replace("{{RUN_DIR}}", workDirectory, StringComparison.Ordinal)
            .Replace("{{DATA_DIR}}", Path.Combine(workDirectory, "data"), StringComparison.Ordinal)
            .Replace("{{SUFFIX}}", options.BaseDn, StringComparison.Ordinal)
            .Replace("{{ROOT_DN}}", BindDn, StringComparison.Ordinal)
            // Plain text is acceptable for a throw-away test directory; deploy/ldap/README.md tells operators to hash it.
            .Replace("{{ROOT_PW}}", BindPassword, StringComparison.Ordinal)
            .Replace("{{TLS_CONFIG}}", tls, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(workDirectory, "slapd.conf"), configuration);
    }

    private async Task CreateServerCertificateAsync(CancellationToken cancellationToken)
    {
        var result = await RunToolAsync("openssl", "openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", Path.Combine(workDirectory, "server-key.pem"), "-out", TlsCertificateFile!,
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl could not create the slapd certificate: {result.StandardError}");
        }
    }

    private InvalidOperationException Failure(string message)
    {
        var text = $"{message}.\n--- slapd output (configuration in {workDirectory}) ---\n{Output}";
        TestContext.Progress.WriteLine(text);
        return new InvalidOperationException(text);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    /// <summary>Overrides where deploy/ldap is looked for (e.g. a benchmark or tool built outside the repository).</summary>
    public const string DeployDirectoryVariable = "CLEVERCLOUD_LDAP_DEPLOY_DIR";

    /// <summary>deploy/ldap of this repository, found by walking up from the test assembly's directory.</summary>
    private static string DeployDirectory()
    {
        if (Environment.GetEnvironmentVariable(DeployDirectoryVariable) is { Length: > 0 } configured)
        {
            return File.Exists(Path.Combine(configured, "slapd.conf.template"))
                ? configured
                : throw new FileNotFoundException($"{DeployDirectoryVariable}={configured} holds no slapd.conf.template.");
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "deploy", "ldap");
            if (File.Exists(Path.Combine(candidate, "slapd.conf.template")))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException($"deploy/ldap/slapd.conf.template not found above {AppContext.BaseDirectory}; set {DeployDirectoryVariable}.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindOnPath(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var directory in path.Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return tool;
    }

    private static void RequireBinary(string path, string aptPackage)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(path)} is not installed: install the Debian package '{aptPackage}' (apt-get install {aptPackage}, or scripts/install-deps.sh).");
        }
    }

}

/// <summary>slapd ended before it answered (port taken, bad configuration); the message holds its output.</summary>
public sealed class SlapdExitedException(string message) : InvalidOperationException(message);
