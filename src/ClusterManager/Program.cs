using CleverCloud.Agent;
using CleverCloud.Agent.Hosting;
using CleverCloud.Agent.Messaging;
using CleverCloud.ClusterManager;
using CleverCloud.ClusterManager.Operations;
using CleverCloud.ClusterManager.State;
using CleverCloud.ClusterManager.Workers;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

// clever-cm: the Cluster Manager service (see README and deploy/systemd/clever-cm.service).
var builder = AgentHost.CreateBuilder(args);
builder.Services.AddClusterManager(builder.Configuration);
using var host = builder.Build();
await host.RunAsync();
