using System.Collections.Concurrent;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Muc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Xmpp.Muc;

/// <summary>A room occupant as this client sees it (XEP-0045 §7.2.3: real JIDs are visible in non-anonymous rooms).</summary>
public sealed record Occupant(Jid Address, string Nick, Jid? RealJid, MucAffiliation Affiliation, MucRole Role);

/// <summary>Joining a room failed; <see cref="Condition"/> says why (registration-required: not a member).</summary>
public sealed class MucJoinException(Jid room, StanzaErrorCondition? condition, string message)
    : XmppException(message, isTransient: condition is StanzaErrorCondition.ResourceConstraint or StanzaErrorCondition.RemoteServerNotFound or StanzaErrorCondition.RemoteServerTimeout)
{
    public Jid Room { get; } = room;
    public StanzaErrorCondition? Condition { get; } = condition;
}

/// <summary>The room's configuration form lacks settings the cluster relies on, or refused values.</summary>
public sealed class MucConfigurationException(string message) : XmppException(message);

/// <summary>
/// XEP-0045 rooms on one <see cref="XmppClient"/>: create and configure (as owner), join (waiting for the status-110
/// self-presence or the error matching the join), track occupants, change affiliations, invite, kick, leave, and rejoin
/// every joined room automatically after the client reconnects.
/// </summary>
public sealed partial class MultiUserChat
{
    private readonly XmppClient _client;
    private readonly ILogger<MultiUserChat> _logger;
    private readonly ConcurrentDictionary<Jid, RoomState> _rooms = new();

    public MultiUserChat(XmppClient client, ILogger<MultiUserChat>? logger = null)
    {
        _client = client;
        _logger = logger ?? NullLogger<MultiUserChat>.Instance;
        _client.PresenceReceived += OnPresenceAsync;
        _client.MessageReceived += OnMessageAsync;
        _client.SessionEstablished += RejoinAsync;
    }

    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public event Action<Jid, Occupant>? OccupantJoined;

    /// <summary>An occupant left; the status codes say whether it was kicked (307), removed (321), etc.</summary>
    public event Action<Jid, Occupant, IReadOnlyList<int>>? OccupantLeft;

    /// <summary>A mediated invitation (§7.8.2) arrived: room, inviter, reason.</summary>
    public event Action<Jid, Jid?, string?>? InvitationReceived;

    /// <summary>We were removed from a room (kicked, banned, membership revoked) — no automatic rejoin follows.</summary>
    public event Action<Jid, IReadOnlyList<int>>? RemovedFromRoom;

    public IReadOnlyCollection<Occupant> Occupants(Jid room) =>
        _rooms.TryGetValue(room.Bare, out var state) ? state.Occupants.Values.ToList() : [];

    public Occupant? FindOccupant(Jid occupantAddress) =>
        _rooms.TryGetValue(occupantAddress.Bare, out var state) && occupantAddress.Resource is { } nick
            && state.Occupants.TryGetValue(nick, out var occupant) ? occupant : null;

    public bool IsJoined(Jid room) => _rooms.TryGetValue(room.Bare, out var state) && state.Joined;

    /// <summary>
    /// Creates (or takes over, if we already own it) a room and makes sure its configuration is what the cluster needs:
    /// §10.1.2 create with status 201, §10.1.3 request the form, fill it, submit, and read it back to verify.
    /// </summary>
    public async Task CreateOrConfigureAsync(Jid room, string nick, MucRoomConfig configuration, CancellationToken cancellationToken)
    {
        var created = await JoinCoreAsync(room.Bare, nick, cancellationToken).ConfigureAwait(false);
        LogRoomJoined(room.Bare.ToString(), nick, created);

        var formIq = await _client.SendIqAsync(MucOwner.CreateConfigurationRequest(room.Bare), cancellationToken).ConfigureAwait(false);
        var form = formIq.GetPayload<MucOwner>()?.Form
            ?? throw new MucConfigurationException($"{room.Bare} returned no configuration form");
        var result = configuration.ApplyTo(form);
        if (result.RejectedValues.Count > 0)
            throw new MucConfigurationException($"{room.Bare} refused settings: {string.Join("; ", result.RejectedValues)}");
        foreach (var missing in result.MissingFields)
            LogMissingField(room.Bare.ToString(), missing);
        await _client.SendIqAsync(MucOwner.CreateConfigurationSubmit(room.Bare, result.SubmitForm), cancellationToken).ConfigureAwait(false);

        // Read back: a server that silently ignored a field must not leave an open room behind our back.
        var check = await _client.SendIqAsync(MucOwner.CreateConfigurationRequest(room.Bare), cancellationToken).ConfigureAwait(false);
        var applied = check.GetPayload<MucOwner>()?.Form;
        if (applied is not null && configuration.MembersOnly == true && applied.GetBoolean(MucRoomConfig.MembersOnlyField) == false)
            throw new MucConfigurationException($"{room.Bare} is still not members-only after configuration");
        LogRoomConfigured(room.Bare.ToString());
    }

    /// <summary>§7.2: joins and waits for our own presence (status 110) or the error answering our join.</summary>
    public async Task JoinAsync(Jid room, string nick, CancellationToken cancellationToken) =>
        await JoinCoreAsync(room.Bare, nick, cancellationToken).ConfigureAwait(false);

    /// <returns>True when the join created the room (status 201).</returns>
    private async Task<bool> JoinCoreAsync(Jid room, string nick, CancellationToken cancellationToken)
    {
        var state = _rooms.AddOrUpdate(room, _ => new RoomState(room, nick), (_, existing) => existing with { Nick = nick, Joined = false });
        var presence = MucJoin.CreateJoinPresence(room.WithResource(nick));
        presence.Id = Stanza.NewId();
        var waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        state.PendingJoin = (presence.Id, waiter);

        using var timeout = new CancellationTokenSource(JoinTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await _client.SendAsync(presence, linked.Token).ConfigureAwait(false);
            return await waiter.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _rooms.TryRemove(room, out _);
            throw new MucJoinException(room, null, $"no answer from {room} to our join within {JoinTimeout.TotalSeconds:0} s");
        }
        catch
        {
            _rooms.TryRemove(room, out _);
            throw;
        }
        finally
        {
            state.PendingJoin = null;
        }
    }

    /// <summary>§9.3-§9.5: grant or revoke membership (or admin/owner, or ban with outcast).</summary>
    public Task SetAffiliationAsync(Jid room, Jid user, MucAffiliation affiliation, string? reason, CancellationToken cancellationToken) =>
        _client.SendIqAsync(MucAdmin.CreateAffiliationChange(room.Bare, user.Bare, affiliation, reason), cancellationToken);

    /// <summary>§9.5: the list of users with an affiliation (members by default).</summary>
    public async Task<IReadOnlyList<Jid>> GetAffiliatedAsync(Jid room, MucAffiliation affiliation, CancellationToken cancellationToken)
    {
        var result = await _client.SendIqAsync(MucAdmin.CreateAffiliationListRequest(room.Bare, affiliation), cancellationToken).ConfigureAwait(false);
        return result.GetPayload<MucAdmin>()?.Items.Select(i => i.Jid).OfType<Jid>().Select(j => j.Bare).ToList() ?? [];
    }

    /// <summary>§8.2: kick an occupant by nick (role none).</summary>
    public Task KickAsync(Jid room, string nick, string? reason, CancellationToken cancellationToken) =>
        _client.SendIqAsync(MucAdmin.CreateRoleChange(room.Bare, nick, MucRole.None, reason), cancellationToken);

    /// <summary>§7.8.2: a mediated invitation, sent through the room.</summary>
    public Task InviteAsync(Jid room, Jid invitee, string? reason, CancellationToken cancellationToken) =>
        _client.SendAsync(MucUser.CreateInvitation(room.Bare, invitee.Bare, reason), cancellationToken);

    /// <summary>§7.14: leave; the room is no longer rejoined after reconnects.</summary>
    public async Task LeaveAsync(Jid room, CancellationToken cancellationToken)
    {
        if (!_rooms.TryRemove(room.Bare, out var state))
            return;
        var presence = new Presence { To = room.Bare.WithResource(state.Nick), Type = PresenceType.Unavailable };
        await _client.SendAsync(presence, cancellationToken).ConfigureAwait(false);
    }

    public Task SendGroupMessageAsync(Jid room, Message message, CancellationToken cancellationToken)
    {
        message.To = room.Bare;
        message.Type = MessageType.Groupchat;
        return _client.SendAsync(message, cancellationToken);
    }

    private async Task RejoinAsync(CancellationToken cancellationToken)
    {
        // After a reconnect the server has forgotten our occupancy: join every room again (Smack does the same).
        foreach (var (room, state) in _rooms.ToArray())
        {
            // Only rooms we were in: a join still in flight (e.g. right after the first connect) completes on its own.
            if (!state.Joined || state.PendingJoin is not null)
                continue;
            state.Occupants.Clear();
            state.Joined = false;
            // Not awaited here: the self-presence is delivered by this same dispatch loop.
            _ = RejoinOneAsync(room, state.Nick, cancellationToken);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    private async Task RejoinOneAsync(Jid room, string nick, CancellationToken cancellationToken)
    {
        try
        {
            await JoinCoreAsync(room, nick, cancellationToken).ConfigureAwait(false);
            LogRejoined(room.ToString());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRejoinFailed(room.ToString(), ex.Message);
        }
    }

    private Task OnPresenceAsync(Presence presence, CancellationToken cancellationToken)
    {
        if (presence.From is not { } from || !_rooms.TryGetValue(from.Bare, out var state))
            return Task.CompletedTask;

        if (presence.Type == PresenceType.Error)
        {
            if (state.PendingJoin is { } pending && (presence.Id == pending.Id || from.Resource == state.Nick))
            {
                var error = presence.Error;
                pending.Waiter.TrySetException(new MucJoinException(from.Bare, error?.Condition,
                    $"joining {from.Bare} was refused: {error?.ConditionName ?? "unknown error"}{(error?.Text is { } text ? " (" + text + ")" : "")}"));
            }
            return Task.CompletedTask;
        }

        var user = presence.GetExtension<MucUser>();
        var nick = from.Resource;
        if (nick is null)
            return Task.CompletedTask;
        var item = user?.Item;
        var codes = user?.StatusCodes ?? [];
        var occupant = new Occupant(from, nick, item?.Jid?.Bare, item?.Affiliation ?? MucAffiliation.None, item?.Role ?? MucRole.None);
        var isSelf = user?.IsSelfPresence == true || (nick == state.Nick && state.PendingJoin is not null);

        if (presence.Type == PresenceType.Unavailable)
        {
            state.Occupants.TryRemove(nick, out _);
            if (isSelf)
            {
                state.Joined = false;
                if (codes.Any(c => c is MucStatusCodes.Kicked or MucStatusCodes.Banned or MucStatusCodes.RemovedByAffiliationChange or MucStatusCodes.RemovedByMembersOnly))
                {
                    _rooms.TryRemove(from.Bare, out _);
                    LogRemoved(from.Bare.ToString(), string.Join(",", codes));
                    RemovedFromRoom?.Invoke(from.Bare, codes);
                }
            }
            else
            {
                OccupantLeft?.Invoke(from.Bare, occupant, codes);
            }
            return Task.CompletedTask;
        }

        var isNew = !state.Occupants.ContainsKey(nick);
        state.Occupants[nick] = occupant;
        if (isSelf && user?.IsSelfPresence == true)
        {
            state.Joined = true;
            state.PendingJoin?.Waiter.TrySetResult(codes.Contains(MucStatusCodes.RoomCreated));
        }
        else if (isNew)
        {
            OccupantJoined?.Invoke(from.Bare, occupant);
        }
        return Task.CompletedTask;
    }

    private Task OnMessageAsync(Message message, CancellationToken cancellationToken)
    {
        var user = message.GetExtension<MucUser>();
        if (user is null || message.From is not { } from)
            return Task.CompletedTask;
        foreach (var invite in user.Invites)
        {
            LogInvited(from.Bare.ToString(), invite.From?.ToString() ?? "?");
            InvitationReceived?.Invoke(from.Bare, invite.From, invite.Reason);
        }
        return Task.CompletedTask;
    }

    private sealed record RoomState(Jid Room, string Nick)
    {
        public ConcurrentDictionary<string, Occupant> Occupants { get; } = new(StringComparer.Ordinal);
        public bool Joined { get; set; }
        public (string Id, TaskCompletionSource<bool> Waiter)? PendingJoin { get; set; }
    }

    [LoggerMessage(EventId = 2501, Level = LogLevel.Information, Message = "Joined room {Room} as {Nick} (created: {Created})")]
    private partial void LogRoomJoined(string room, string nick, bool created);

    [LoggerMessage(EventId = 2502, Level = LogLevel.Warning, Message = "Room {Room}: the server's form has no field {Field}")]
    private partial void LogMissingField(string room, string field);

    [LoggerMessage(EventId = 2503, Level = LogLevel.Information, Message = "Room {Room} configured: members-only, non-anonymous, persistent, not public")]
    private partial void LogRoomConfigured(string room);

    [LoggerMessage(EventId = 2504, Level = LogLevel.Information, Message = "Rejoined room {Room} after reconnect")]
    private partial void LogRejoined(string room);

    [LoggerMessage(EventId = 2505, Level = LogLevel.Warning, Message = "Rejoining room {Room} failed: {Reason}")]
    private partial void LogRejoinFailed(string room, string reason);

    [LoggerMessage(EventId = 2506, Level = LogLevel.Warning, Message = "Removed from room {Room} (status {Codes})")]
    private partial void LogRemoved(string room, string codes);

    [LoggerMessage(EventId = 2507, Level = LogLevel.Information, Message = "Invitation to room {Room} from {Inviter}")]
    private partial void LogInvited(string room, string inviter);
}
