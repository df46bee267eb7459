using CleverCloud.Agent;
using CleverCloud.Agent.Hosting;
using CleverCloud.Agent.Messaging;
using CleverCloud.Agent.Security;
using CleverCloud.HostManager.Workers;
using CleverCloud.Protocol.Dispatching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager;

public static class HostManagerAgentServiceCollectionExtensions
{
    /// <summary>
    /// The whole Host Manager service: libvirt and its operations (<see cref="HostManagerServiceCollectionExtensions.AddHostManagerCore"/>),
    /// the XMPP agent, security (identity, directory, envelopes, audit) and the agent service that joins the cluster.
    /// <c>clever-hm</c> is this plus a host; tests build the same composition in-process.
    /// </summary>
    public static IServiceCollection AddHostManager(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHostManagerCore(configuration);
        services.AddCleverAgent(configuration);
        services.AddAgentSecurity(configuration);
        // HMs execute only what their cluster manager asks (with certificates: signed by a role-cm certificate).
        services.AddSingleton<ICommandAuthorizer>(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            return new RoleAuthorizer(_ => "cm", new Dictionary<string, string> { [agent.ManagerJid.ToLowerInvariant()] = "cm" });
        });
        services.AddSingleton<HostAgentService>();
        services.AddHostedService(sp => sp.GetRequiredService<HostAgentService>());
        return services;
    }
}
