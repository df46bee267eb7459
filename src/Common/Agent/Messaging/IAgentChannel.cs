using System.Xml.Linq;

namespace CleverCloud.Agent.Messaging;

/// <summary>A message stanza that reached this agent, with what the XMPP layer knows of its sender.</summary>
/// <param name="Stanza">The whole &lt;message/&gt; element.</param>
/// <param name="From">The address it came from: a room occupant (room@muc/nick) or a full JID.</param>
/// <param name="RealJid">The sender's real bare JID: the occupant's JID in the non-anonymous room, or From's bare JID.</param>
/// <param name="ViaRoom">True when it came through the cluster room (groupchat or a private message of an occupant).</param>
public sealed record InboundStanza(XElement Stanza, string From, string? RealJid, bool ViaRoom);

/// <summary>
/// What the agent needs from XMPP: send message payloads to an occupant, the room, or a JID, and receive them. The
/// implementation sits on the project's XMPP client and MUC manager; tests and benchmarks can use an in-memory one.
/// </summary>
public interface IAgentChannel
{
    /// <summary>The cluster room's bare JID.</summary>
    string RoomJid { get; }

    /// <summary>This agent's own bare JID.</summary>
    string OwnJid { get; }

    /// <summary>Sends a one-to-one message (type chat) to a room occupant or a JID, carrying the given children.</summary>
    ValueTask SendDirectAsync(string to, string id, IReadOnlyList<XElement> children, CancellationToken cancellationToken);

    /// <summary>Sends a groupchat message to the whole room.</summary>
    ValueTask SendToRoomAsync(string id, IReadOnlyList<XElement> children, CancellationToken cancellationToken);

    /// <summary>The real bare JID behind a room occupant address, when the room tells us; null otherwise.</summary>
    string? IdentityOf(string occupantAddress);

    /// <summary>
    /// Raised for each inbound message stanza in the order it arrived, the next one only after the handlers of the
    /// previous one returned: handlers queue work and return, they do not run it (see <see cref="AgentMessenger"/>).
    /// </summary>
    event Func<InboundStanza, CancellationToken, Task>? MessageReceived;
}
