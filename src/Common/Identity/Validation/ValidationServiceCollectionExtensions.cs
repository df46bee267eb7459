using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Validation;

public static class ValidationServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IPeerCertificateResolver"/> (and the concrete <see cref="PeerCertificateResolver"/>, for
    /// Invalidate/InvalidateCrl on revocation events) over the registered <see cref="ICertificateDirectory"/>, with
    /// <see cref="PeerValidationOptions"/> bound from <paramref name="section"/> (e.g. "PeerValidation").
    /// Register the directory too (<see cref="DirectoryServiceCollectionExtensions.AddCertificateDirectory"/>).
    /// </summary>
    public static IServiceCollection AddPeerCertificateResolver(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<PeerValidationOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PeerValidationOptions>, PeerValidationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<PeerValidationOptions>>().Value;
            return new CertificateValidator(CertificateValidator.LoadCaCertificate(options.CaCertificateFile), provider.GetRequiredService<TimeProvider>(), options.ClockSkew);
        });
        services.TryAddSingleton(provider => new PeerCertificateResolver(
            provider.GetRequiredService<ICertificateDirectory>(),
            provider.GetRequiredService<CertificateValidator>(),
            provider.GetRequiredService<IOptions<PeerValidationOptions>>().Value,
            provider.GetRequiredService<ILogger<PeerCertificateResolver>>()));
        services.TryAddSingleton<IPeerCertificateResolver>(provider => provider.GetRequiredService<PeerCertificateResolver>());
        return services;
    }
}
