using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace CleverCloud.Agent.Hosting;

/// <summary>Builds the Generic Host every CleverCloud service runs in, with one configuration story for all.</summary>
public static class AgentHost
{
    /// <summary>
    /// Configuration, later sources winning: appsettings.json beside the binary, the file named by <c>--config PATH</c>
    /// or the <c>CLEVER_CONFIG</c> environment variable, environment variables prefixed <c>CLEVER_</c>
    /// (<c>CLEVER_Xmpp__Password</c>), then the command line (<c>--Xmpp:Port 5222</c>).
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });

        var configFile = ConfigFileFrom(args) ?? Environment.GetEnvironmentVariable("CLEVER_CONFIG");
        if (!string.IsNullOrEmpty(configFile))
        {
            if (!File.Exists(configFile))
                throw new FileNotFoundException($"Configuration file '{configFile}' (from --config or CLEVER_CONFIG) does not exist.", configFile);
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        builder.Configuration.AddEnvironmentVariables("CLEVER_");
        builder.Configuration.AddCommandLine(args);

        builder.Services.AddSystemd();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
            options.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        return builder;
    }

    private static string? ConfigFileFrom(string[] args)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] is "--config" or "-c")
                return args[i + 1];
        }
        return null;
    }
}
