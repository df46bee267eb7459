using CleverCloud.Cli.Commands;

namespace CleverCloud.Cli;

/// <summary>Commands that run on the administrator's machine without contacting the cluster.</summary>
internal static class LocalActions
{
    public static async Task<int> RunAsync(ParsedCommand command, TextWriter stdout, TextWriter stderr)
    {
        switch (command.LocalAction)
        {
            default:
                await stderr.WriteLineAsync($"clever: '{command.LocalAction}' is not available in this build").ConfigureAwait(false);
                return CliApplication.Usage;
        }
    }
}
