using CleverCloud.Agent;
using CleverCloud.Agent.Hosting;
using CleverCloud.Agent.Messaging;
using CleverCloud.Agent.Security;
using CleverCloud.HostManager;
using CleverCloud.HostManager.Workers;
using CleverCloud.Protocol.Dispatching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// clever-hm: the Host Manager service (see README and deploy/systemd/clever-hm.service).
var builder = AgentHost.CreateBuilder(args);
builder.Services.AddHostManagerCore(builder.Configuration);
builder.Services.AddCleverAgent(builder.Configuration);
builder.Services.AddAgentSecurity(builder.Configuration);
// HMs execute only what their cluster manager asks (with certificates: signed by a role-cm certificate).
builder.Services.AddSingleton<ICommandAuthorizer>(sp =>
{
    var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
    return new RoleAuthorizer(_ => "cm", new Dictionary<string, string> { [agent.ManagerJid.ToLowerInvariant()] = "cm" });
});
builder.Services.AddHostedService<HostAgentService>();

using var host = builder.Build();
await host.RunAsync();
