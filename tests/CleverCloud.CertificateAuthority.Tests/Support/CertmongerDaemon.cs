using System.Diagnostics;
using CleverCloud.TestSupport.Ldap;

namespace CleverCloud.CertificateAuthority.Tests.Support;

/// <summary>
/// A private certmonger daemon run without D-Bus (<c>certmonger -n -L -P SOCK -p PIDFILE</c> with the
/// CERTMONGER_* variables pointing into a temp directory); <c>getcert</c> talks to it over the same socket.
/// </summary>
internal sealed class CertmongerDaemon : IAsyncDisposable
{
    private const string Daemon = "/usr/sbin/certmonger";
    private readonly Process process;
    private readonly Dictionary<string, string> environment;

    private CertmongerDaemon(Process process, string workDirectory, Dictionary<string, string> environment)
    {
        this.process = process;
        WorkDirectory = workDirectory;
        this.environment = environment;
    }

    public string WorkDirectory { get; }

    public const string ScepSubmitHelper = "/usr/lib/certmonger/scep-submit";

    public static void RequireInstalled()
    {
        foreach (var binary in new[] { Daemon, ScepSubmitHelper, "/usr/bin/getcert" })
        {
            if (!File.Exists(binary))
            {
                Assert.Fail($"{binary} is missing: install the Debian package 'certmonger' (apt-get install certmonger).");
            }
        }
    }

    public static async Task<CertmongerDaemon> StartAsync()
    {
        RequireInstalled();
        var workDirectory = Path.Combine(Path.GetTempPath(), "clever-certmonger-" + Guid.NewGuid().ToString("N")[..12]);
        var environment = new Dictionary<string, string>();
        foreach (var (variable, directory) in new[]
        {
            ("CERTMONGER_REQUESTS_DIR", "requests"), ("CERTMONGER_CAS_DIR", "cas"), ("CERTMONGER_LOCAL_CA_DIR", "local"),
            ("CERTMONGER_TMP_DIR", "tmp"), ("CERTMONGER_CONFIG_DIR", "config"),
        })
        {
            var path = Path.Combine(workDirectory, directory);
            Directory.CreateDirectory(path);
            environment[variable] = path;
        }
        var socket = Path.Combine(workDirectory, "certmonger.sock");
        environment["CERTMONGER_SYSTEM_LOCK_FILE"] = Path.Combine(workDirectory, "lock");
        environment["CERTMONGER_PVT_ADDRESS"] = "unix:path=" + socket;
        var startInfo = new ProcessStartInfo(Daemon)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-n", "-L", "-P", socket, "-p", Path.Combine(workDirectory, "certmonger.pid") })
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("certmonger did not start.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new CertmongerDaemon(process, workDirectory, environment);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!File.Exists(socket))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await daemon.DisposeAsync();
                throw new InvalidOperationException("certmonger did not open its socket.");
            }
            await Task.Delay(50);
        }
        return daemon;
    }

    public Task<SlapdServer.ToolResult> GetcertAsync(params string[] arguments) => RunAsync("/usr/bin/getcert", arguments);

    public static Task<SlapdServer.ToolResult> ScepSubmitAsync(params string[] arguments) =>
        SlapdServer.RunToolAsync(ScepSubmitHelper, "certmonger", arguments, null, CancellationToken.None);

    /// <summary>Polls <c>getcert list -i ID</c> until the status is one of <paramref name="statuses"/>; generous deadline.</summary>
    public async Task<string> WaitForStatusAsync(string requestId, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var listing = await GetcertAsync("list", "-i", requestId);
            var statusLine = listing.StandardOutput.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("status:", StringComparison.Ordinal));
            if (statusLine is not null && statuses.Any(status => statusLine == "status: " + status))
            {
                return listing.StandardOutput;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"certmonger request {requestId} did not reach {string.Join("/", statuses)}:\n{listing.StandardOutput}");
            }
            await Task.Delay(250);
        }
    }

    private async Task<SlapdServer.ToolResult> RunAsync(string tool, string[] arguments)
    {
        var startInfo = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
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
        using var child = Process.Start(startInfo) ?? throw new InvalidOperationException($"{tool} did not start.");
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        return new SlapdServer.ToolResult(child.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
        await process.WaitForExitAsync();
        process.Dispose();
        Directory.Delete(WorkDirectory, recursive: true);
    }
}
