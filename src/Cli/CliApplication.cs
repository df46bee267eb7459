using System.Globalization;
using CleverCloud.Agent;
using CleverCloud.Agent.Hosting;
using CleverCloud.Agent.Security;
using CleverCloud.Cli.Commands;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Cli;

public static class CliApplication
{
    public const int Ok = 0;
    public const int RemoteError = 2;
    public const int Unreachable = 3;
    public const int Usage = 64;
    public const int BadConfiguration = 78;

    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        var globals = new List<string>();
        var words = new List<string>();
        var json = false;
        TimeSpan? timeout = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" or "-c" when i + 1 < args.Length:
                    globals.Add("--config");
                    globals.Add(args[++i]);
                    break;
                case "--json":
                    json = true;
                    break;
                case "--timeout" when i + 1 < args.Length:
                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                    {
                        await stderr.WriteLineAsync($"clever: --timeout needs a positive number of seconds, not '{args[i]}'").ConfigureAwait(false);
                        return Usage;
                    }
                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case "--help" or "-h" or "help":
                    await stdout.WriteLineAsync(CommandLine.Usage).ConfigureAwait(false);
                    return Ok;
                default:
                    words.Add(args[i]);
                    break;
            }
        }

        ParsedCommand command;
        try
        {
            command = CommandLine.Parse(words);
        }
        catch (UsageException ex)
        {
            await stderr.WriteLineAsync($"clever: {ex.Message}\n\n{CommandLine.Usage}").ConfigureAwait(false);
            return Usage;
        }

        if (command.LocalAction is not null)
            return await LocalActions.RunAsync(command, stdout, stderr).ConfigureAwait(false);

        IHost host;
        try
        {
            var builder = AgentHost.CreateBuilder([.. globals]);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddCleverAgent(builder.Configuration);
            builder.Services.AddAgentSecurity(builder.Configuration);
            host = builder.Build();
            // Options are validated here so a bad setting is reported before any connection attempt.
            _ = host.Services.GetRequiredService<IOptions<XmppClientOptions>>().Value;
            _ = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
        }
        catch (Exception ex) when (ex is OptionsValidationException or FileNotFoundException or InvalidOperationException or InvalidDataException)
        {
            await stderr.WriteLineAsync($"clever: configuration: {ex.Message}").ConfigureAwait(false);
            return BadConfiguration;
        }

        using (host)
        {
            var client = host.Services.GetRequiredService<XmppClient>();
            var agent = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
            try
            {
                // Starts the identity service: the administrator's keystore is loaded (or enrolled through SCEP).
                await host.StartAsync(cancel.Token).ConfigureAwait(false);
                var endpoint = host.Services.GetRequiredService<CommandEndpoint>();
                await client.ConnectAsync(cancel.Token).ConfigureAwait(false);
                await client.SendAsync(new Presence(), cancel.Token).ConfigureAwait(false);
                if (command.Operation == "security.probe")
                    return await SecurityProbe.RunAsync(host.Services, client, command.Arguments["host"]!.GetValue<string>(), stdout, cancel.Token).ConfigureAwait(false);
                var result = await endpoint.RequestAsync(agent.ManagerJid, command.Operation, command.Arguments, timeout ?? agent.RequestTimeout, cancel.Token).ConfigureAwait(false);
                await (result.Success ? stdout : stderr).WriteLineAsync(ReplyPrinter.Render(result, json)).ConfigureAwait(false);
                return result.Success ? Ok : RemoteError;
            }
            catch (CommandTimeoutException ex)
            {
                await stderr.WriteLineAsync($"clever: {ex.Message}; is the cluster manager running?").ConfigureAwait(false);
                return Unreachable;
            }
            catch (XmppException ex)
            {
                await stderr.WriteLineAsync($"clever: cannot reach the cluster: {ex.Message}").ConfigureAwait(false);
                return Unreachable;
            }
            catch (OperationCanceledException)
            {
                await stderr.WriteLineAsync("clever: cancelled").ConfigureAwait(false);
                return Unreachable;
            }
            finally
            {
                await client.DisposeAsync().ConfigureAwait(false);
                await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
