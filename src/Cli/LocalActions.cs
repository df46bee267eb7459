using System.Security.Cryptography.X509Certificates;
using CleverCloud.Cli.Commands;
using CleverCloud.Security.Audit;

namespace CleverCloud.Cli;

/// <summary>Commands that run on the administrator's machine without contacting the cluster.</summary>
internal static class LocalActions
{
    public static async Task<int> RunAsync(ParsedCommand command, TextWriter stdout, TextWriter stderr)
    {
        switch (command.LocalAction)
        {
            case "audit.verify":
                return await VerifyAuditLogAsync(command.Arguments["log"]!.GetValue<string>(), command.Arguments["ca"]!.GetValue<string>(), stdout, stderr).ConfigureAwait(false);
            default:
                await stderr.WriteLineAsync($"clever: '{command.LocalAction}' is not available in this build").ConfigureAwait(false);
                return CliApplication.Usage;
        }
    }

    private static async Task<int> VerifyAuditLogAsync(string log, string caFile, TextWriter stdout, TextWriter stderr)
    {
        if (!File.Exists(log) || !File.Exists(caFile))
        {
            await stderr.WriteLineAsync($"clever: {(File.Exists(log) ? caFile : log)} does not exist").ConfigureAwait(false);
            return CliApplication.Usage;
        }
        var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        var report = AuditLogVerifier.Verify(log, ca);
        await stdout.WriteLineAsync($"{report.EntryCount} entries, {report.VerifiedSignatures} signatures verified, head {report.HeadHash}").ConfigureAwait(false);
        foreach (var problem in report.Problems)
            await stderr.WriteLineAsync($"line {problem.Line}: {problem.Kind}: {problem.Detail}").ConfigureAwait(false);
        return report.Problems.Count == 0 ? CliApplication.Ok : CliApplication.RemoteError;
    }
}
