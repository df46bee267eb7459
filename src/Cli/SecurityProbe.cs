using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CleverCloud.Agent;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol.Messages;
using CleverCloud.Security;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Policy;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Cli;

/// <summary>
/// <c>clever security probe HOST</c>: proves a host refuses forged commands. It sends the host a well-formed,
/// encrypted <c>host.info</c> command that claims to come from this administrator but is signed with a key the
/// cluster CA never certified; the host must drop it (error 201, bad signature) and answer nothing.
/// </summary>
internal static class SecurityProbe
{
    public static async Task<int> RunAsync(IServiceProvider services, XmppClient client, string host, TextWriter stdout, CancellationToken cancellationToken)
    {
        var agent = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        var resolver = services.GetRequiredService<IPeerCertificateResolver>();
        var ownJid = client.BareJid.ToString();

        var target = await resolver.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        if (!target.IsValid)
        {
            await stdout.WriteLineAsync($"cannot probe {host}: its certificate is {target.Status} ({target.Reason})").ConfigureAwait(false);
            return CliApplication.RemoteError;
        }

        // A self-made certificate naming us, exactly as an attacker without access to the CA could make one.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={ownJid}", key, HashAlgorithmName.SHA256);
        CertificateIdentity.AddTo(request, ownJid, AgentRole.Administrator);
        using var forged = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var options = new SecurityOptions();
        using var ring = new RoomKeyRing(agent.RoomJid, options.PreviousEpochGrace, TimeProvider.System);
        using var counters = new SecurityCounters();
        var codec = new SecureEnvelopeCodec(new SecurityIdentity(ownJid, forged), resolver, ring,
            new SenderPolicy(AgentRole.Administrator, agent.ManagerJid), options, counters, TimeProvider.System,
            services.GetRequiredService<ILogger<SecureEnvelopeCodec>>());

        var id = MessageIdGenerator.Shared.Next();
        var payload = ProtocolCodec.Encode(new CommandRequest(id, "host.info"));
        var message = new Message { To = Jid.Parse(host), Type = MessageType.Chat, Id = id };
        message.Add(codec.SealForPeer(new EnvelopeHeader(host, id, EnvelopeType.Command), payload, target.Certificate!));
        await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync($"sent a forged host.info to {host} (id {id}), signed by an uncertified key; the host must reject it with error 201 and not reply")
            .ConfigureAwait(false);
        return CliApplication.Ok;
    }
}
