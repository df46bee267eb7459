using CleverCloud.Agent.Hosting;
using CleverCloud.Agent.Messaging;
using CleverCloud.Agent.Security;
using CleverCloud.ClusterManager.Operations;
using CleverCloud.ClusterManager.State;
using CleverCloud.ClusterManager.Workers;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CleverCloud.ClusterManager;

public static class ClusterManagerServiceCollectionExtensions
{
    /// <summary>Everything the CM runs: state, room administration, operations (one line each), the agent service.</summary>
    public static IServiceCollection AddClusterManager(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterManagerOptions>().Bind(configuration.GetSection(ClusterManagerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterManagerOptions>>(new ValidateByMethod<ClusterManagerOptions>(o => o.Validate()));
        services.AddSingleton(sp => new ClusterStore(sp.GetRequiredService<IOptions<ClusterManagerOptions>>().Value.DatabasePath));
        services.AddSingleton<LiveHosts>();
        services.AddSingleton<IRoomAdministration, MucRoomAdministration>();
        services.AddSingleton<IHostCommandSender, RoomHostCommandSender>();

        services.AddSingleton<OperationRegistry>();
        services.AddSingleton<OperationDispatcher>();
        services.AddOperation<ClusterJoinOperation>();
        services.AddOperation<ClusterHostsOperation>();
        services.AddOperation<ClusterVmsOperation>();
        services.AddOperation<HostAdmitOperation>();
        services.AddOperation<HostRemoveOperation>();
        services.AddOperation<HostExecOperation>();
        services.AddOperation<VmCreateOperation>();
        services.AddOperation<VmControlOperation>();
        services.AddOperation<VmDeleteOperation>();
        services.AddOperation<ImageRegisterOperation>();
        services.AddOperation<ImageListOperation>();
        services.AddOperation<ImageRemoveOperation>();

        services.AddCleverAgent(configuration);
        services.AddSingleton<CleverCloud.Security.Policy.IRoomMembership, AdmittedHostsMembership>();
        services.AddAgentSecurity(configuration);
        if (configuration.GetSection(Agent.AgentOptions.Section).GetValue<Agent.SecurityMode?>("Security") != Agent.SecurityMode.Plaintext)
        {
            services.AddSingleton<RoomKeyService>();
            services.AddSingleton<HostCertificateWatch>();
            services.AddHostedService(sp => sp.GetRequiredService<HostCertificateWatch>());
        }
        // Hosts may only ask to join; everything else is administration (with certificates: role admin).
        services.AddSingleton<ICommandAuthorizer>(sp =>
        {
            var cluster = sp.GetRequiredService<IOptions<ClusterManagerOptions>>().Value;
            var plaintextRoles = cluster.Administrators.ToDictionary(a => a.ToLowerInvariant(), _ => "admin");
            return new RoleAuthorizer(request => request.Operation == "cluster.join" ? null : "admin", plaintextRoles);
        });
        services.AddSingleton<ClusterAgentService>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterAgentService>());
        return services;
    }
}
