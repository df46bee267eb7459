using System.Collections.Concurrent;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Security.Envelope;

namespace CleverCloud.Security.Policy;

/// <summary>Who is in the room right now (the CM keeps it from the MUC roster and its member list).</summary>
public interface IRoomMembership
{
    bool IsMember(string bareJid);
}

/// <summary>A thread-safe set of member bare JIDs: the simple <see cref="IRoomMembership"/>.</summary>
public sealed class RoomMemberSet : IRoomMembership
{
    private readonly ConcurrentDictionary<string, byte> _members = new(StringComparer.Ordinal);

    public bool Add(string bareJid) => _members.TryAdd(bareJid, 0);

    public bool Remove(string bareJid) => _members.TryRemove(bareJid, out _);

    public bool IsMember(string bareJid) => _members.ContainsKey(bareJid);
}

/// <summary>
/// Authorisation by certified role, applied after the signature verified and before anything is handed out:
/// <list type="bullet">
/// <item>an HM (or admin client) accepts commands, replies and events only from the configured CM address holding a
/// role=cm certificate (the resolver returns the CM's current certificate);</item>
/// <item>the CM accepts commands (administrative) only from role=admin certificates, and replies, events and
/// presence only from role=hm certificates of current room members;</item>
/// <item>room keys are accepted only from the configured CM with role=cm (checked by the codec →
/// <see cref="ErrorCode.KeyNotFromModerator"/>).</item>
/// </list>
/// </summary>
public sealed class SenderPolicy
{
    private readonly AgentRole _localRole;
    private readonly IRoomMembership? _members;

    /// <param name="localRole">This agent's role.</param>
    /// <param name="clusterManagerJid">The configured CM bare JID (the room's moderator and sole owner).</param>
    /// <param name="members">Required on the CM: who may reply.</param>
    public SenderPolicy(AgentRole localRole, string clusterManagerJid, IRoomMembership? members = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterManagerJid);
        if (localRole == AgentRole.ClusterManager && members is null)
        {
            throw new ArgumentNullException(nameof(members), "the CM policy needs the room membership to accept replies");
        }
        _localRole = localRole;
        ClusterManagerJid = clusterManagerJid;
        _members = members;
    }

    public string ClusterManagerJid { get; }

    public bool IsClusterManager(string senderBareJid, AgentRole senderRole) =>
        senderRole == AgentRole.ClusterManager && string.Equals(senderBareJid, ClusterManagerJid, StringComparison.Ordinal);

    /// <summary><see cref="ErrorCode.None"/> when the sender may send this type of message here, else <see cref="ErrorCode.WrongRole"/>.</summary>
    public ErrorCode Check(EnvelopeType type, string senderBareJid, AgentRole senderRole)
    {
        if (type == EnvelopeType.KeyDistribution)
        {
            return IsClusterManager(senderBareJid, senderRole) ? ErrorCode.None : ErrorCode.KeyNotFromModerator;
        }
        var allowed = _localRole switch
        {
            AgentRole.ClusterManager => type switch
            {
                // Hosts send exactly one command, the admission request (cluster.join); which operation a role may
                // ask for is the command layer's decision (RoleAuthorizer), made on the certified role passed up.
                EnvelopeType.Command => senderRole is AgentRole.Administrator or AgentRole.HostManager,
                EnvelopeType.Reply or EnvelopeType.Event or EnvelopeType.Presence =>
                    senderRole == AgentRole.HostManager && _members!.IsMember(senderBareJid),
                _ => false,
            },
            // HMs and admin clients take orders, answers and news from the CM alone; presence from any certified peer.
            _ => type == EnvelopeType.Presence || IsClusterManager(senderBareJid, senderRole),
        };
        return allowed ? ErrorCode.None : ErrorCode.WrongRole;
    }
}
