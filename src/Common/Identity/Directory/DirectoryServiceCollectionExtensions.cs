using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Directory;

public static class DirectoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ICertificateDirectory"/> as a <see cref="LdapCertificateDirectory"/> with
    /// <see cref="LdapDirectoryOptions"/> bound from <paramref name="section"/> (e.g. "Ldap") and validated at start.
    /// </summary>
    public static IServiceCollection AddCertificateDirectory(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<LdapDirectoryOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LdapDirectoryOptions>, LdapDirectoryOptionsValidator>());
        services.TryAddSingleton<ICertificateDirectory>(provider => new LdapCertificateDirectory(
            provider.GetRequiredService<IOptions<LdapDirectoryOptions>>().Value,
            provider.GetRequiredService<ILogger<LdapCertificateDirectory>>()));
        return services;
    }
}
