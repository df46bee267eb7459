using CleverCloud.Agent.Hosting;
using CleverCloud.Identity.Bootstrap;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Validation;
using CleverCloud.Security;
using CleverCloud.Security.Audit;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Agent.Security;

public static class AgentSecurityServiceCollectionExtensions
{
    /// <summary>
    /// When <c>Agent:Security</c> is Secured (the default): the agent's identity (<c>Identity</c> section: enrolled
    /// through SCEP at first start, then loaded from its PKCS#12 keystore and renewed in the background), the
    /// certificate directory (<c>Ldap</c>), peer validation with the CRL (<c>PeerValidation</c>), the envelope settings
    /// (<c>Security</c>) and the audit log (<c>Security:AuditLogPath</c>). Call before adding the agent's own hosted
    /// services, so the identity is ready when they start.
    /// </summary>
    public static IServiceCollection AddAgentSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        var mode = configuration.GetSection(AgentOptions.Section).GetValue<SecurityMode?>("Security") ?? SecurityMode.Secured;
        if (mode == SecurityMode.Plaintext)
            return services;

        services.AddAgentIdentity(configuration.GetSection("Identity"));
        services.AddCertificateDirectory(configuration.GetSection("Ldap"));
        services.AddPeerCertificateResolver(configuration.GetSection("PeerValidation"));
        var securitySection = configuration.GetSection("Security");
        services.AddSingleton(_ => BindSecurityOptions(securitySection));
        services.AddSingleton(sp => new SecurityCounters(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton(sp =>
        {
            var auditPath = securitySection["AuditLogPath"];
            AuditLog? audit = null;
            if (!string.IsNullOrWhiteSpace(auditPath))
            {
                audit = AuditLog.OpenAsync(auditPath, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AuditLog>>(),
                    durable: true, CancellationToken.None).GetAwaiter().GetResult();
            }
            return new SecureProtector(
                sp.GetRequiredService<AgentIdentityProvider>(),
                sp.GetRequiredService<IPeerCertificateResolver>(),
                sp.GetRequiredService<SecurityOptions>(),
                sp.GetRequiredService<IOptions<AgentOptions>>().Value,
                sp.GetService<IRoomMembership>(),
                sp.GetRequiredService<SecurityCounters>(),
                audit,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>());
        });
        services.AddSingleton(new SecuredProtectorRegistration(sp => sp.GetRequiredService<SecureProtector>()));
        return services;
    }

    private static SecurityOptions BindSecurityOptions(IConfiguration section)
    {
        var defaults = new SecurityOptions();
        var options = new SecurityOptions
        {
            FreshnessWindow = section.GetValue("FreshnessWindow", defaults.FreshnessWindow),
            FutureTolerance = section.GetValue("FutureTolerance", defaults.FutureTolerance),
            MaxPayloadBytes = section.GetValue("MaxPayloadBytes", defaults.MaxPayloadBytes),
            PreviousEpochGrace = section.GetValue("PreviousEpochGrace", defaults.PreviousEpochGrace),
            RoomKeyLifetime = section.GetValue("RoomKeyLifetime", defaults.RoomKeyLifetime),
            KeyDistributionBatchSize = section.GetValue("KeyDistributionBatchSize", defaults.KeyDistributionBatchSize),
            KeyDistributionInterval = section.GetValue("KeyDistributionInterval", defaults.KeyDistributionInterval),
            RoomKeyWrap = ParseMode(section, "RoomKeyWrap", defaults.RoomKeyWrap),
            PeerKeyWrap = ParseMode(section, "PeerKeyWrap", defaults.PeerKeyWrap),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new OptionsValidationException("Security", typeof(SecurityOptions), [$"Security: {ex.Message}"]);
        }
        return options;
    }

    /// <summary>An enum setting by name (Enum.TryParse&lt;T&gt; stays trimming-safe for the NativeAOT HM).</summary>
    private static TMode ParseMode<TMode>(IConfiguration section, string key, TMode fallback)
        where TMode : struct, Enum
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        if (!Enum.TryParse<TMode>(text, ignoreCase: true, out var mode) || !Enum.IsDefined(mode) || int.TryParse(text, out _))
        {
            throw new OptionsValidationException("Security", typeof(SecurityOptions),
                [$"Security:{key}: '{text}' is not one of {string.Join(", ", Enum.GetNames<TMode>())}"]);
        }
        return mode;
    }
}
