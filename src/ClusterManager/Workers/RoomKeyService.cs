using System.Collections.Concurrent;
using CleverCloud.Agent;
using CleverCloud.Agent.Security;
using CleverCloud.ClusterManager.State;
using CleverCloud.Identity.Certificates;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Policy;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Muc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.ClusterManager.Workers;

/// <summary>
/// The moderator's room session key (paper §V-A, "encrypted chat rooms"): a new epoch when the room is (re)created,
/// the current key sent to each admitted host as it joins, wrapped for its certificate, and a new epoch distributed
/// to the remaining members — paced, never as a storm — when a host leaves, is removed or revoked, and on a timer.
/// </summary>
public sealed partial class RoomKeyService(
    SecureProtector protector,
    XmppClient client,
    IPeerCertificateResolver resolver,
    IOptions<AgentOptions> agentOptions,
    ILogger<RoomKeyService> logger)
{
    private readonly ConcurrentDictionary<string, RoomMember> _members = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RoomKeyDistributor? _distributor;

    private RoomKeyDistributor Distributor => _distributor ??= new RoomKeyDistributor(protector.Codec);

    private Jid Room => Jid.Parse(agentOptions.Value.RoomJid);

    public uint CurrentEpoch => Distributor.CurrentEpoch;

    /// <summary>The hosts that hold the current room key.</summary>
    public IReadOnlyCollection<string> Members => _members.Keys.ToList();

    public void StartEpoch(string reason)
    {
        var epoch = Distributor.Rotate(reason);
        LogRotated(epoch, reason, 0);
    }

    /// <summary>Sends the current key to a host that just joined; true when it can now read room traffic.</summary>
    public async Task<bool> WelcomeAsync(string bareJid, CancellationToken cancellationToken)
    {
        // A joining host may have enrolled again since we last looked: wrap the key for the certificate published now.
        resolver.Invalidate(bareJid);
        var peer = await resolver.ResolveAsync(bareJid, cancellationToken).ConfigureAwait(false);
        if (!peer.IsValid || peer.Certificate is null || peer.Role != AgentRole.HostManager)
        {
            LogNoKeyForPeer(bareJid, peer.Status.ToString(), peer.Reason ?? "");
            return false;
        }
        var member = new RoomMember(bareJid, peer.Certificate);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _members[bareJid] = member;
            var batch = Distributor.CreateForJoiningMember(member);
            await SendAsync(Jid.Parse(bareJid), MessageType.Chat, batch.MessageId, batch.Elements, cancellationToken).ConfigureAwait(false);
            LogKeySent(batch.Epoch, bareJid);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A member proved (by a signature) that it now holds another certificate — it renewed: the key it holds stays
    /// valid, but later epochs must be wrapped for the new certificate, so it gets the current key again at once.
    /// </summary>
    public async Task RefreshMemberAsync(string bareJid, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        if (!_members.TryGetValue(bareJid, out var member) || member.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            return;
        LogMemberRenewed(bareJid, certificate.SerialNumber);
        await WelcomeAsync(bareJid, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A member is gone (left, removed, revoked): new epoch for everyone else; the leaver never gets it.</summary>
    public async Task RekeyWithoutAsync(string bareJid, string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_members.TryRemove(bareJid, out _) && reason != "timer")
                return;
            await RotateAndSendAsync(reason, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task RotateIfDueAsync(CancellationToken cancellationToken) =>
        Distributor.IsRotationDue ? RotateAsync("timer", cancellationToken) : Task.CompletedTask;

    /// <summary>A new epoch for every current member now (the timer's path; also for an operator who suspects a leak).</summary>
    public async Task RotateAsync(string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RotateAndSendAsync(reason, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RotateAndSendAsync(string reason, CancellationToken cancellationToken)
    {
        var remaining = _members.Values.ToList();
        var batches = Distributor.RotateAndDistribute(remaining, reason);
        LogRotated(Distributor.CurrentEpoch, reason, remaining.Count);
        await Distributor.SendPacedAsync(batches,
            (batch, ct) => new ValueTask(SendAsync(Room, MessageType.Groupchat, batch.MessageId, batch.Elements, ct)), cancellationToken).ConfigureAwait(false);
    }

    private Task SendAsync(Jid to, MessageType type, string id, IReadOnlyList<System.Xml.Linq.XElement> elements, CancellationToken cancellationToken)
    {
        var message = new Message { To = to, Type = type, Id = id };
        foreach (var element in elements)
            message.Add(element);
        return client.SendAsync(message, cancellationToken);
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Room key epoch {Epoch} started ({Reason}); distributed to {Members} members")]
    private partial void LogRotated(uint epoch, string reason, int members);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Room key epoch {Epoch} sent to {Member}")]
    private partial void LogKeySent(uint epoch, string member);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Information, Message = "Host {Member} renewed its certificate (serial {Serial}); sending it the room key again")]
    private partial void LogMemberRenewed(string member, string serial);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "No room key for {Member}: certificate {Status} {Reason}")]
    private partial void LogNoKeyForPeer(string member, string status, string reason);
}

/// <summary>Who the CM treats as a room member for accepting replies and events: the admitted hosts.</summary>
public sealed class AdmittedHostsMembership(ClusterStore store) : IRoomMembership
{
    public bool IsMember(string bareJid) => store.IsAdmitted(bareJid);
}
