using CleverCloud.CertificateAuthority.Configuration;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.CertificateAuthority.Scep;
using CleverCloud.CertificateAuthority.State;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Scep;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CleverCloud.CertificateAuthority.Hosting;

/// <summary>Builds the CA web host; used by Program and, in-process, by tests and the benchmark.</summary>
public static class CaHost
{
    /// <summary>Environment variables with this prefix override configuration (e.g. CLEVER_CA_CertificateAuthority__KeyPassword).</summary>
    public const string EnvironmentPrefix = "CLEVER_CA_";

    /// <summary>
    /// Creates the host. <paramref name="configFile"/> is an optional JSON file; <paramref name="configurationArgs"/>
    /// are "--Section:Key=value" overrides applied last; <paramref name="configureServices"/> lets tests replace services.
    /// </summary>
    public static WebApplication Build(string? configFile, IReadOnlyList<string> configurationArgs, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        AddConfigurationSources(builder.Configuration, configFile, configurationArgs);
        builder.Host.UseSystemd();
        builder.Services.AddCertificateAuthority(builder.Configuration);
        builder.Services.AddHostedService<CrlRefreshService>();
        configureServices?.Invoke(builder.Services);

        var bound = builder.Configuration.GetSection(CertificateAuthorityOptions.SectionName).Get<CertificateAuthorityOptions>() ?? new CertificateAuthorityOptions();
        builder.WebHost.UseUrls(bound.Url);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // GET PKIOperation carries the whole message URL-encoded in the request line (certmonger always does).
            kestrel.Limits.MaxRequestLineSize = Math.Max(16 * 1024, bound.MaxRequestBytes * 3);
            kestrel.Limits.MaxRequestBodySize = (long)bound.MaxRequestBytes * 2;
        });

        var app = builder.Build();
        app.MapScep();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILogger<CertificateAuthorityCore>>();
            foreach (var address in ListeningAddresses(app))
            {
                CaLog.Listening(logger, address);
            }
        });
        return app;
    }

    public static IReadOnlyList<string> ListeningAddresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public static void AddConfigurationSources(IConfigurationBuilder configuration, string? configFile, IReadOnlyList<string> configurationArgs)
    {
        if (configFile is not null)
        {
            configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddCommandLine(configurationArgs.ToArray());
    }

    /// <summary>Options, state, credentials, directory and the SCEP processor; shared by the service and the CLI.</summary>
    public static IServiceCollection AddCertificateAuthority(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptionsWithValidateOnStart<CertificateAuthorityOptions, CertificateAuthorityOptionsValidator>()
            .Bind(configuration.GetSection(CertificateAuthorityOptions.SectionName));
        services.AddOptionsWithValidateOnStart<LdapDirectoryOptions, LdapDirectoryOptionsValidator>()
            .Bind(configuration.GetSection("Ldap"));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new CaStore(provider.GetRequiredService<IOptions<CertificateAuthorityOptions>>().Value.StateDirectory));
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<CertificateAuthorityOptions>>().Value;
            var credentials = CaCredentials.LoadOrCreate(options, provider.GetRequiredService<TimeProvider>());
            var logger = provider.GetRequiredService<ILogger<CertificateAuthorityCore>>();
            var fingerprint = ScepTrustAnchor.FingerprintOf(credentials.CaCertificate);
            if (credentials.Created)
            {
                CaLog.CaCreated(logger, credentials.CaCertificate.Subject, options.KeyAlgorithm.ToString(), fingerprint, options.StateDirectory);
            }
            else
            {
                CaLog.CaLoaded(logger, credentials.CaCertificate.Subject, fingerprint);
            }
            return credentials;
        });
        services.TryAddSingleton<ICertificateDirectory>(provider => new LdapCertificateDirectory(
            provider.GetRequiredService<IOptions<LdapDirectoryOptions>>().Value,
            provider.GetRequiredService<ILogger<LdapCertificateDirectory>>()));
        services.TryAddSingleton<CertificateAuthorityCore>();
        services.TryAddSingleton<ScepOperationProcessor>();
        return services;
    }
}
