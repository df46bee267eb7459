using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.TestSupport.Ldap;

namespace CleverCloud.CertificateAuthority.Tests.Support;

/// <summary>
/// The real <c>clever-ca</c> build output run as a child process (<c>dotnet clever-ca.dll</c>) with a JSON
/// configuration file, publishing to a real slapd. The CLI verbs run against the same configuration.
/// </summary>
internal sealed partial class CaProcess : IAsyncDisposable
{
    private readonly StringBuilder output = new();
    private readonly Process process;

    private CaProcess(Process process, string workDirectory, string configFile)
    {
        this.process = process;
        WorkDirectory = workDirectory;
        ConfigFile = configFile;
    }

    public string WorkDirectory { get; }

    public string ConfigFile { get; }

    public string StateDirectory => Path.Combine(WorkDirectory, "state");

    public string CaCertificatePemFile => Path.Combine(StateDirectory, "ca.crt.pem");

    public Uri BaseUri { get; private set; } = null!;

    public Uri Endpoint => new(BaseUri, "/scep");

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

    public X509Certificate2 LoadCaCertificate() => X509CertificateLoader.LoadCertificate(
        Convert.FromBase64String(string.Concat(File.ReadAllLines(CaCertificatePemFile).Where(line => !line.StartsWith("-----", StringComparison.Ordinal)))));

    public static string ClientAssembly => Path.Combine(AppContext.BaseDirectory, "clever-ca.dll");

    public static async Task<CaProcess> StartAsync(SlapdServer slapd, IDictionary<string, object>? extraSettings = null)
    {
        if (!File.Exists(ClientAssembly))
        {
            throw new FileNotFoundException($"The clever-ca build output is missing next to the tests: {ClientAssembly}");
        }
        var workDirectory = Path.Combine(Path.GetTempPath(), "clever-ca-process-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(workDirectory);
        var passwordFile = Path.Combine(workDirectory, "ca-key.password");
        await File.WriteAllTextAsync(passwordFile, "process-test-password\n");
        var authority = new Dictionary<string, object>
        {
            ["StateDirectory"] = Path.Combine(workDirectory, "state"),
            ["KeyPasswordFile"] = passwordFile,
            ["KeyEncryptionIterations"] = 100000,
            ["Url"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, object>())
        {
            authority[key] = value;
        }
        var configuration = new Dictionary<string, object>
        {
            ["CertificateAuthority"] = authority,
            ["Ldap"] = new Dictionary<string, object>
            {
                ["Uri"] = slapd.Uri,
                ["BaseDn"] = slapd.BaseDn,
                ["BindDn"] = slapd.BindDn,
                ["BindPassword"] = slapd.BindPassword,
            },
        };
        var configFile = Path.Combine(workDirectory, "appsettings.json");
        await File.WriteAllTextAsync(configFile, JsonSerializer.Serialize(configuration));

        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { ClientAssembly, "serve", "--config", configFile })
        {
            startInfo.ArgumentList.Add(argument);
        }
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("clever-ca did not start.");
        var ca = new CaProcess(process, workDirectory, configFile);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (ca.output)
            {
                ca.output.AppendLine(line);
            }
            var match = ListeningPattern().Match(line);
            if (match.Success)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        // Generous: first start creates the CA and RA keys on a loaded 2-core CI machine.
        var finished = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromMinutes(2)));
        if (finished != listening.Task)
        {
            var text = ca.Output;
            await ca.DisposeAsync();
            throw new InvalidOperationException($"clever-ca did not report its listening address.\n{text}");
        }
        ca.BaseUri = new Uri(await listening.Task);
        return ca;
    }

    /// <summary>Runs a <c>clever-ca</c> admin verb with this process's configuration.</summary>
    public async Task<SlapdServer.ToolResult> RunCliAsync(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(ClientAssembly);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        startInfo.ArgumentList.Add("--config");
        startInfo.ArgumentList.Add(ConfigFile);
        using var child = Process.Start(startInfo) ?? throw new InvalidOperationException("clever-ca CLI did not start.");
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

    [GeneratedRegex(@"SCEP endpoint listening on (http://\S+)")]
    private static partial Regex ListeningPattern();
}
