using System.Text.Json.Nodes;
using CleverCloud.Agent;
using CleverCloud.ClusterManager.State;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Muc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CleverCloud.ClusterManager.Workers;

/// <summary>Room membership through the MUC manager; the CM is the room's only owner.</summary>
public sealed class MucRoomAdministration(MultiUserChat muc, IOptions<AgentOptions> options) : IRoomAdministration
{
    private readonly Jid _room = Jid.Parse(options.Value.RoomJid);

    public string RoomJid => _room.ToString();

    public Task GrantMembershipAsync(string bareJid, string reason, CancellationToken cancellationToken) =>
        muc.SetAffiliationAsync(_room, Jid.Parse(bareJid), Xmpp.Protocols.Muc.MucAffiliation.Member, reason, cancellationToken);

    public async Task RevokeMembershipAsync(string bareJid, string reason, CancellationToken cancellationToken)
    {
        // In a members-only room, losing membership removes the occupant too (XEP-0045 §9.4, status 321).
        await muc.SetAffiliationAsync(_room, Jid.Parse(bareJid), Xmpp.Protocols.Muc.MucAffiliation.None, reason, cancellationToken).ConfigureAwait(false);
        foreach (var occupant in muc.Occupants(_room).Where(o => o.RealJid?.ToString() == bareJid))
            await muc.KickAsync(_room, occupant.Nick, reason, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task InviteAsync(string bareJid, string reason, CancellationToken cancellationToken) =>
        muc.InviteAsync(_room, Jid.Parse(bareJid), reason, cancellationToken);
}

/// <summary>Sends commands to hosts at their room address (a private message through the room).</summary>
/// <remarks>
/// The endpoint is resolved on first use: it depends on the dispatcher, whose operations depend on this sender.
/// </remarks>
public sealed class RoomHostCommandSender(IServiceProvider services, LiveHosts live, IOptions<ClusterManagerOptions> options) : IHostCommandSender
{
    public async Task<OperationResult> SendAsync(string hostJid, string operation, JsonObject? arguments, CancellationToken cancellationToken)
    {
        var endpoint = services.GetRequiredService<CommandEndpoint>();
        var host = live.Find(hostJid);
        if (host is not { Online: true, Address: { } address })
            return OperationResult.Fail(ErrorCode.HostOffline, $"{hostJid} is not in the cluster room");
        try
        {
            return await endpoint.RequestAsync(address, operation, arguments, options.Value.HostCommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandTimeoutException ex)
        {
            return OperationResult.Fail(ErrorCode.RequestTimedOut, ex.Message);
        }
        catch (Xmpp.Core.XmppException ex) when (ex.IsTransient)
        {
            return OperationResult.Fail(ErrorCode.HostOffline, $"{hostJid} could not be reached: {ex.Message}");
        }
    }
}
