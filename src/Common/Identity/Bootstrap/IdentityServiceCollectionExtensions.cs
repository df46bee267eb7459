using CleverCloud.Identity.Scep;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Bootstrap;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>
    /// Registers the agent's identity: <see cref="IdentityOptions"/> bound from <paramref name="section"/> and validated
    /// at start, the SCEP enroller, <see cref="IdentityBootstrapper"/>, <see cref="AgentIdentityProvider"/> and the
    /// <see cref="CertificateRenewalService"/> hosted service, which loads or enrolls the identity in its StartAsync.
    /// Call it before registering hosted services that need <see cref="AgentIdentityProvider.Current"/>: hosted
    /// services start in registration order.
    /// </summary>
    public static IServiceCollection AddAgentIdentity(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<IdentityOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AgentIdentityProvider>();
        services.TryAddSingleton<ICertificateEnroller>(provider =>
        {
            // Validated options (ValidateOnStart): ScepUrl and CaCertificateFile are set.
            var options = provider.GetRequiredService<IOptions<IdentityOptions>>().Value;
            var caCertificate = Validation.CertificateValidator.LoadCaCertificate(options.CaCertificateFile);
            // One HttpClient for the process's lifetime: enrollment and renewals are rare, DNS changes irrelevant here.
            var http = new HttpClient { Timeout = options.ScepHttpTimeout };
            var client = new ScepClient(http, new Uri(options.ScepUrl!),
                provider.GetRequiredService<ILogger<ScepClient>>())
            {
                TrustAnchor = ScepTrustAnchor.FromCertificate(caCertificate),
            };
            return new ScepCertificateEnroller(client, options.EnrollmentPollInterval, options.EnrollmentMaxWait);
        });
        services.TryAddSingleton(provider => new IdentityBootstrapper(
            provider.GetRequiredService<IOptions<IdentityOptions>>().Value,
            provider.GetRequiredService<ICertificateEnroller>(),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetRequiredService<TimeProvider>()));
        services.AddHostedService(provider => new CertificateRenewalService(
            provider.GetRequiredService<IdentityBootstrapper>(),
            provider.GetRequiredService<AgentIdentityProvider>(),
            provider.GetRequiredService<IOptions<IdentityOptions>>().Value,
            provider.GetRequiredService<ILogger<CertificateRenewalService>>(),
            provider.GetRequiredService<TimeProvider>()));
        return services;
    }
}
