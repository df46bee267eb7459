using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Hosting;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.CertificateAuthority.State;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Scep;

namespace CleverCloud.CertificateAuthority.Cli;

/// <summary>
/// Command line of <c>clever-ca</c>. Without a verb (or with <c>serve</c>) it runs the service; the other verbs
/// work on the same state directory (and configuration) as the running service:
/// <code>
/// clever-ca [serve] [--config FILE] [--Section:Key=value ...]
/// clever-ca challenge create --role hm --address hm1@clever.test [--ttl 1h]
/// clever-ca pending
/// clever-ca approve TRANSACTION-ID
/// clever-ca revoke (--serial HEX | --address JID) [--reason keyCompromise]
/// clever-ca crl [--out FILE]
/// clever-ca fingerprint
/// </code>
/// </summary>
public static class AdminCommands
{
    public const int Success = 0;
    public const int UsageError = 1;
    public const int CommandFailed = 2;

    public static async Task<int> RunAsync(string[] args)
    {
        ParsedArguments parsed;
        try
        {
            parsed = ParsedArguments.Parse(args);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync($"clever-ca: {exception.Message}").ConfigureAwait(false);
            return UsageError;
        }
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, eventArgs) =>
        {
            eventArgs.Cancel = true;
            cancellation.Cancel();
        };
        var verb = string.Join(' ', parsed.Verbs);
        if (verb is "" or "serve")
        {
            await using var app = CaHost.Build(parsed.ConfigFile, parsed.ConfigurationArgs);
            await app.RunAsync(cancellation.Token).ConfigureAwait(false);
            return Success;
        }
        try
        {
            return verb switch
            {
                "challenge create" => await WithHostAsync(parsed, (services, _) => CreateChallenge(services, parsed), cancellation.Token).ConfigureAwait(false),
                "pending" => await WithHostAsync(parsed, (services, _) => ListPending(services), cancellation.Token).ConfigureAwait(false),
                "approve" => await WithHostAsync(parsed, (services, _) => Approve(services, parsed), cancellation.Token).ConfigureAwait(false),
                "revoke" => await WithHostAsync(parsed, (services, token) => RevokeAsync(services, parsed, token), cancellation.Token).ConfigureAwait(false),
                "crl" => await WithHostAsync(parsed, (services, token) => WriteCrlAsync(services, parsed, token), cancellation.Token).ConfigureAwait(false),
                "fingerprint" => await WithHostAsync(parsed, (services, _) => PrintFingerprint(services), cancellation.Token).ConfigureAwait(false),
                _ => Usage($"unknown command '{verb}'"),
            };
        }
        catch (ArgumentException exception)
        {
            return Usage(exception.Message);
        }
        catch (CertificateAuthorityException exception)
        {
            await Console.Error.WriteLineAsync($"clever-ca: {exception.Message}").ConfigureAwait(false);
            return CommandFailed;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException exception)
        {
            await Console.Error.WriteLineAsync($"clever-ca: invalid configuration: {exception.Message}").ConfigureAwait(false);
            return UsageError;
        }
    }

    private static async Task<int> WithHostAsync(ParsedArguments parsed, Func<IServiceProvider, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        CaHost.AddConfigurationSources(builder.Configuration, parsed.ConfigFile, parsed.ConfigurationArgs);
        // Standard output is for the command's result (a challenge, a fingerprint): logs go to standard error.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddCertificateAuthority(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await command(host.Services, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static Task<int> WithHostAsync(ParsedArguments parsed, Func<IServiceProvider, CancellationToken, int> command, CancellationToken cancellationToken) =>
        WithHostAsync(parsed, (services, token) => Task.FromResult(command(services, token)), cancellationToken);

    private static int CreateChallenge(IServiceProvider services, ParsedArguments parsed)
    {
        var roleText = parsed.Require("role");
        if (!AgentRoleNames.TryParse(roleText, out var role))
        {
            throw new ArgumentException($"--role must be cm, hm or admin, not '{roleText}'.");
        }
        var address = parsed.Require("address");
        if (!address.Contains('@', StringComparison.Ordinal) || address.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"--address must be a bare JID (local@domain), not '{address}'.");
        }
        TimeSpan? lifetime = parsed.Options.TryGetValue("ttl", out var ttl) ? ParseDuration(ttl) : null;
        var core = services.GetRequiredService<CertificateAuthorityCore>();
        Console.Out.WriteLine(core.CreateChallenge(address, role, lifetime));
        return Success;
    }

    private static int ListPending(IServiceProvider services)
    {
        foreach (var pending in services.GetRequiredService<CaStore>().ListPending())
        {
            Console.Out.WriteLine(string.Join('\t', pending.TransactionId, pending.State, pending.Kind, pending.Address,
                pending.Role.ToWire(), CaStore.FormatTimestamp(pending.CreatedAt)));
        }
        return Success;
    }

    private static int Approve(IServiceProvider services, ParsedArguments parsed)
    {
        if (parsed.Verbs.Count != 1 || parsed.Positionals.Count != 1)
        {
            throw new ArgumentException("usage: clever-ca approve TRANSACTION-ID");
        }
        var transactionId = parsed.Positionals[0];
        if (!services.GetRequiredService<CertificateAuthorityCore>().Approve(transactionId))
        {
            throw new CertificateAuthorityException($"No transaction {transactionId} is awaiting approval.");
        }
        Console.Out.WriteLine($"approved {transactionId}: the certificate is issued at the requester's next poll");
        return Success;
    }

    private static async Task<int> RevokeAsync(IServiceProvider services, ParsedArguments parsed, CancellationToken cancellationToken)
    {
        var reasonText = parsed.Options.GetValueOrDefault("reason", "unspecified");
        if (!Enum.TryParse<X509RevocationReason>(reasonText, ignoreCase: true, out var reason) || !Enum.IsDefined(reason))
        {
            throw new ArgumentException($"--reason '{reasonText}' is not a revocation reason (e.g. keyCompromise, superseded, cessationOfOperation).");
        }
        var core = services.GetRequiredService<CertificateAuthorityCore>();
        IReadOnlyList<RevocationResult> results = (parsed.Options.TryGetValue("serial", out var serial), parsed.Options.TryGetValue("address", out var address)) switch
        {
            (true, false) => [await core.RevokeAsync(serial!, reason, cancellationToken).ConfigureAwait(false)],
            (false, true) => await core.RevokeAddressAsync(address!, reason, cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentException("revoke needs exactly one of --serial HEX or --address JID."),
        };
        foreach (var result in results)
        {
            Console.Out.WriteLine($"revoked {result.Certificate.Serial} ({result.Certificate.Address}, {reason})");
            if (!result.CrlPublished || !result.DirectoryEntryRemoved)
            {
                await Console.Error.WriteLineAsync("warning: the directory could not be updated now; the service retries at its next CRL refresh").ConfigureAwait(false);
            }
        }
        return Success;
    }

    private static async Task<int> WriteCrlAsync(IServiceProvider services, ParsedArguments parsed, CancellationToken cancellationToken)
    {
        var crl = await services.GetRequiredService<CertificateAuthorityCore>().RefreshCrlAsync(cancellationToken).ConfigureAwait(false);
        if (parsed.Options.TryGetValue("out", out var path))
        {
            await File.WriteAllBytesAsync(path, crl, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Console.Out.WriteLine(System.Security.Cryptography.PemEncoding.Write("X509 CRL", crl));
        }
        return Success;
    }

    private static int PrintFingerprint(IServiceProvider services)
    {
        Console.Out.WriteLine(ScepTrustAnchor.FingerprintOf(services.GetRequiredService<CaCredentials>().CaCertificate));
        return Success;
    }

    /// <summary>"90s", "30m", "1h", "7d" or a TimeSpan ("01:00:00").</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var unit = text.Length > 1 ? text[^1] : '\0';
        if (unit is 's' or 'm' or 'h' or 'd'
            && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            return unit switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new ArgumentException($"'{text}' is not a duration (e.g. 90s, 30m, 1h, 7d).");
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"clever-ca: {problem}");
        Console.Error.WriteLine("usage: clever-ca [serve] | challenge create --role R --address JID [--ttl 1h] | pending | approve TXID | revoke (--serial HEX | --address JID) [--reason R] | crl [--out FILE] | fingerprint   [--config FILE] [--Section:Key=value]");
        return UsageError;
    }

    /// <summary>Verbs first, then "--name value" options; "--Section:Key=value" goes to configuration.</summary>
    internal sealed class ParsedArguments
    {
        public List<string> Verbs { get; } = [];
        public List<string> Positionals { get; } = [];
        public Dictionary<string, string> Options { get; } = new(StringComparer.OrdinalIgnoreCase);
        public List<string> ConfigurationArgs { get; } = [];
        public string? ConfigFile { get; private set; }

        public string Require(string name) =>
            Options.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new ArgumentException($"--{name} is required.");

        public static ParsedArguments Parse(string[] args)
        {
            var parsed = new ParsedArguments();
            for (var index = 0; index < args.Length; index++)
            {
                var token = args[index];
                if (!token.StartsWith("--", StringComparison.Ordinal))
                {
                    // "approve TXID": the transaction id is positional, every other bare word is a verb.
                    if (parsed.Verbs is ["approve"])
                    {
                        parsed.Positionals.Add(token);
                    }
                    else
                    {
                        parsed.Verbs.Add(token);
                    }
                    continue;
                }
                var name = token[2..];
                if (name.Contains(':', StringComparison.Ordinal))
                {
                    if (name.Contains('=', StringComparison.Ordinal))
                    {
                        parsed.ConfigurationArgs.Add(token);
                    }
                    else
                    {
                        parsed.ConfigurationArgs.Add(token + "=" + (index + 1 < args.Length ? args[++index] : throw new ArgumentException($"{token} needs a value.")));
                    }
                    continue;
                }
                var value = index + 1 < args.Length ? args[++index] : throw new ArgumentException($"{token} needs a value.");
                if (name == "config")
                {
                    parsed.ConfigFile = value;
                }
                else
                {
                    parsed.Options[name] = value;
                }
            }
            return parsed;
        }
    }
}
