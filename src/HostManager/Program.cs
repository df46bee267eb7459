using CleverCloud.Agent.Hosting;
using CleverCloud.HostManager;
using Microsoft.Extensions.Hosting;

// clever-hm: the Host Manager service (see README and deploy/systemd/clever-hm.service).
var builder = AgentHost.CreateBuilder(args);
builder.Services.AddHostManager(builder.Configuration);
using var host = builder.Build();
await host.RunAsync();
