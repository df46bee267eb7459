using CleverCloud.Agent.Messaging;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Muc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Agent.Hosting;

public static class AgentServiceCollectionExtensions
{
    /// <summary>
    /// The parts every agent shares: XMPP client and room (options from the <c>Xmpp</c> and <c>Agent</c> sections,
    /// validated at start), message protection, the messenger and the command endpoint. The agent registers its own
    /// <see cref="OperationDispatcher"/> (if it executes operations) and <see cref="ICommandAuthorizer"/>.
    /// </summary>
    public static IServiceCollection AddCleverAgent(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<XmppClientOptions>().Bind(configuration.GetSection("Xmpp")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<XmppClientOptions>>(new ValidateByMethod<XmppClientOptions>(o => o.Validate()));
        services.AddOptions<AgentOptions>().Bind(configuration.GetSection(AgentOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>>(new ValidateByMethod<AgentOptions>(o => o.Validate()));
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton(sp => new XmppClient(
            sp.GetRequiredService<IOptions<XmppClientOptions>>().Value,
            sp.GetRequiredService<ILogger<XmppClient>>(),
            ElementRegistry.CreateDefault(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new MultiUserChat(sp.GetRequiredService<XmppClient>(), sp.GetRequiredService<ILogger<MultiUserChat>>()));
        services.AddSingleton(sp => new XmppAgentChannel(
            sp.GetRequiredService<XmppClient>(),
            sp.GetRequiredService<MultiUserChat>(),
            sp.GetRequiredService<IOptions<AgentOptions>>().Value,
            sp.GetRequiredService<ILogger<XmppAgentChannel>>()));
        services.AddSingleton<IAgentChannel>(sp => sp.GetRequiredService<XmppAgentChannel>());
        services.TryAddSingleton<PlaintextProtector>();
        services.AddSingleton<AgentMessenger>(sp => new AgentMessenger(
            sp.GetRequiredService<IAgentChannel>(),
            SelectProtector(sp),
            sp.GetRequiredService<ILogger<AgentMessenger>>(),
            sp.GetRequiredService<IOptions<AgentOptions>>().Value.MaxConcurrentMessages));
        services.AddSingleton(sp =>
        {
            var agent = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
            var messenger = sp.GetRequiredService<AgentMessenger>();
            var endpoint = new CommandEndpoint(
                messenger,
                sp.GetService<OperationDispatcher>(),
                sp.GetService<ICommandAuthorizer>(),
                new CommandEndpointOptions { DefaultRequestTimeout = agent.RequestTimeout },
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<CommandEndpoint>>());
            messenger.Attach(endpoint);
            return endpoint;
        });
        return services;
    }

    private static IMessageProtector SelectProtector(IServiceProvider services)
    {
        var mode = services.GetRequiredService<IOptions<AgentOptions>>().Value.Security;
        if (mode == SecurityMode.Plaintext)
        {
            services.GetRequiredService<ILogger<AgentMessenger>>().LogWarning(
                "Agent:Security is Plaintext: commands travel unsigned and unencrypted. Use only for benchmarks and development.");
            return services.GetRequiredService<PlaintextProtector>();
        }
        return services.GetService<SecuredProtectorRegistration>()?.Create(services)
            ?? throw new InvalidOperationException("Agent:Security is Secured but no secure message protector is registered (call AddAgentSecurity).");
    }
}

/// <summary>Registered by the security wiring: builds the secured <see cref="IMessageProtector"/> for this agent.</summary>
public sealed class SecuredProtectorRegistration(Func<IServiceProvider, IMessageProtector> create)
{
    public IMessageProtector Create(IServiceProvider services) => create(services);
}
