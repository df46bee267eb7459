using System.Diagnostics;

namespace CleverCloud.TestSupport.Xmpp;

/// <summary>What a finished command-line tool left behind.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Standard output and error together, for failure messages.</summary>
    public string CombinedOutput => (StandardOutput + Environment.NewLine + StandardError).Trim();
}

/// <summary>Runs short-lived command-line tools (prosodyctl, ejabberdctl, go-sendxmpp) with a timeout.</summary>
public static class ToolRunner
{
    /// <summary>
    /// Runs <paramref name="path"/> with the given arguments and captures its output. On timeout the tool (and every
    /// process it started) is killed and a <see cref="TimeoutException"/> carrying the partial output is thrown; on
    /// cancellation the tool is killed and the caller's <see cref="OperationCanceledException"/> propagates.
    /// </summary>
    public static async Task<ToolResult> RunAsync(
        string path,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        string? standardInput = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(arguments);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} is not installed.", path);
        }
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
        if (environment is not null)
        {
            foreach (var (name, value) in environment)
            {
                startInfo.Environment[name] = value;
            }
        }
        using var child = Process.Start(startInfo) ?? throw new InvalidOperationException($"{path} did not start.");
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var stdout = child.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = child.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            if (standardInput is not null)
            {
                await child.StandardInput.WriteAsync(standardInput.AsMemory(), timeoutSource.Token).ConfigureAwait(false);
            }
            child.StandardInput.Close();
            await child.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var partial = new ToolResult(-1, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
            throw new TimeoutException(
                $"{Path.GetFileName(path)} {string.Join(' ', startInfo.ArgumentList)} did not finish within {timeout}; output: {partial.CombinedOutput}");
        }
        return new ToolResult(child.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
