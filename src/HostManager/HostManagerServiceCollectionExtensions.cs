using CleverCloud.HostManager.Libvirt;
using CleverCloud.HostManager.Monitoring;
using CleverCloud.HostManager.Operations;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager;

public static class HostManagerServiceCollectionExtensions
{
    /// <summary>
    /// Everything the Host Manager needs to drive libvirt: <see cref="HostManagerOptions"/> bound from the
    /// <c>HostManager</c> section and validated at start, the shared <see cref="HypervisorConnection"/>, host and
    /// lifecycle monitoring (hosted services), the operation registry and dispatcher, and every operation, one line
    /// each. More operations can be added afterwards with <c>services.AddOperation&lt;T&gt;()</c>.
    /// </summary>
    public static IServiceCollection AddHostManagerCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<HostManagerOptions>()
            .Bind(configuration.GetSection(HostManagerOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HostManagerOptions>, HostManagerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton<HypervisorConnection>();
        services.TryAddSingleton<ImagePathPolicy>();
        services.TryAddSingleton<VmStateFiles>();

        services.TryAddSingleton<HostMonitor>();
        services.TryAddSingleton<LifecycleEventMonitor>();
        services.AddHostedService(sp => sp.GetRequiredService<HostMonitor>());
        services.AddHostedService(sp => sp.GetRequiredService<LifecycleEventMonitor>());

        services.TryAddSingleton<OperationRegistry>();
        services.TryAddSingleton<OperationDispatcher>();

        services.AddOperation<HostPingOperation>();
        services.AddOperation<HostInfoOperation>();
        services.AddOperation<HostStatsOperation>();
        services.AddOperation<VmDefineOperation>();
        services.AddOperation<VmUndefineOperation>();
        services.AddOperation<VmStartOperation>();
        services.AddOperation<VmShutdownOperation>();
        services.AddOperation<VmDestroyOperation>();
        services.AddOperation<VmRebootOperation>();
        services.AddOperation<VmSuspendOperation>();
        services.AddOperation<VmResumeOperation>();
        services.AddOperation<VmSaveOperation>();
        services.AddOperation<VmRestoreOperation>();
        services.AddOperation<VmListOperation>();
        services.AddOperation<VmInfoOperation>();
        services.AddOperation<VmStatsOperation>();
        services.AddOperation<VmConsoleOperation>();
        services.AddOperation<VmSnapshotCreateOperation>();
        services.AddOperation<VmSnapshotListOperation>();
        services.AddOperation<VmSnapshotRevertOperation>();
        services.AddOperation<VmSnapshotDeleteOperation>();
        services.AddOperation<VmMigrateOperation>();
        return services;
    }
}
