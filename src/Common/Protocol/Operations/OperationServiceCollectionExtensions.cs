using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CleverCloud.Protocol.Operations;

public static class OperationServiceCollectionExtensions
{
    /// <summary>
    /// Registers one operation. Explicit registration (no assembly scanning) keeps the agents trimmable and NativeAOT
    /// publishable, and lets code outside an agent's project add operations without touching its core.
    /// </summary>
    public static IServiceCollection AddOperation<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TOperation>(this IServiceCollection services)
        where TOperation : class, IOperation
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOperation, TOperation>());
        return services;
    }
}
