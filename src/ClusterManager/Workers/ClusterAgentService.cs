using System.Text.Json;
using System.Text.Json.Nodes;
using CleverCloud.Agent;
using CleverCloud.Agent.Hosting;
using CleverCloud.Agent.Security;
using Microsoft.Extensions.DependencyInjection;
using CleverCloud.ClusterManager.State;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Messages;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Muc;
using CleverCloud.Xmpp.Protocols.Muc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.ClusterManager.Workers;

/// <summary>
/// The CM's life: connect, create the room and enforce its configuration (members-only, non-anonymous, persistent,
/// not public) as its only owner, re-grant membership to admitted hosts, track which hosts are in the room and their
/// reported status, and apply the events hosts send. Commands are answered by the command endpoint.
/// </summary>
public sealed partial class ClusterAgentService(
    XmppClient client,
    MultiUserChat muc,
    CommandEndpoint endpoint,
    ClusterStore store,
    LiveHosts live,
    IOptions<AgentOptions> agentOptions,
    IServiceProvider services,
    ILogger<ClusterAgentService> logger) : BackgroundService
{
    private readonly AgentOptions _agent = agentOptions.Value;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Present when the cluster runs secured: room keys and signed presence.
    private readonly RoomKeyService? _keys = services.GetService<RoomKeyService>();
    private readonly SecureProtector? _protector = services.GetService<SecureProtector>();
    private CancellationToken _stopping;

    /// <summary>Completes once the room exists and is configured.</summary>
    public Task Ready => _ready.Task;

    private Jid Room => Jid.Parse(_agent.RoomJid);

    private string Nick => _agent.Nick ?? client.Options.Username;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        muc.OccupantJoined += OnOccupantJoined;
        muc.OccupantLeft += OnOccupantLeft;
        client.PresenceReceived += OnPresenceAsync;
        endpoint.EventReceived += OnEventAsync;

        _stopping = stoppingToken;
        await AgentConnector.ConnectAsync(client, logger, stoppingToken).ConfigureAwait(false);
        await muc.CreateOrConfigureAsync(Room, Nick, MucRoomConfig.ControlRoom(), stoppingToken).ConfigureAwait(false);
        _keys?.StartEpoch("room created");
        foreach (var host in store.AdmittedHosts())
            await muc.SetAffiliationAsync(Room, Jid.Parse(host.Jid), MucAffiliation.Member, "admitted host", stoppingToken).ConfigureAwait(false);
        LogReady(Room.ToString(), store.AdmittedHosts().Count);
        _ready.TrySetResult();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (_keys is not null)
                    await _keys.RotateIfDueAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private void OnOccupantJoined(Jid room, Occupant occupant)
    {
        if (room != Room || occupant.RealJid is not { } jid)
            return;
        if (store.IsAdmitted(jid.ToString()))
            _ = OnboardAsync(jid.ToString(), occupant);
    }

    /// <summary>A host counts as online once it can read the room: with security, after its room key was sent.</summary>
    private async Task OnboardAsync(string jid, Occupant occupant)
    {
        try
        {
            if (_keys is not null && !await _keys.WelcomeAsync(jid, _stopping).ConfigureAwait(false))
                return;
            live.MarkOnline(jid, occupant.Address.ToString());
            LogHostOnline(jid, occupant.Nick);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogOnboardingFailed(ex, jid);
        }
    }

    private void OnOccupantLeft(Jid room, Occupant occupant, IReadOnlyList<int> codes)
    {
        if (room != Room || occupant.RealJid is not { } jid)
            return;
        live.MarkOffline(jid.ToString());
        LogHostOffline(jid.ToString(), string.Join(",", codes));
        if (_keys is not null)
            _ = RekeyAsync(jid.ToString(), codes.Count > 0 ? "removed" : "left");
    }

    private async Task RekeyAsync(string jid, string reason)
    {
        try
        {
            await _keys!.RekeyWithoutAsync(jid, reason, _stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogOnboardingFailed(ex, jid);
        }
    }

    /// <summary>Hosts report their status as JSON in their room presence — signed when the cluster runs secured.</summary>
    private async Task OnPresenceAsync(Presence presence, CancellationToken cancellationToken)
    {
        if (presence.From is not { } from || from.Bare != Room || presence.Type != PresenceType.Available)
            return;
        var occupant = muc.FindOccupant(from);
        if (occupant?.RealJid is not { } jid || !store.IsAdmitted(jid.ToString()))
            return;
        string? status;
        if (_protector is not null)
        {
            if (!_protector.CarriesPayload(presence))
                return; // an unsigned presence says nothing we may trust
            var verified = await _protector.Codec.VerifyPresenceAsync(presence, jid.ToString(), Room.ToString(), cancellationToken).ConfigureAwait(false);
            if (!verified.IsAccepted)
            {
                LogBadStatus(jid.ToString(), $"signed presence refused: {(int)verified.Error} {verified.Error}: {verified.Reason}");
                return;
            }
            status = verified.Presence!.LoadJson;
            if (_keys is not null)
                await _keys.RefreshMemberAsync(jid.ToString(), verified.Presence.SignerCertificate, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            status = presence.Status;
        }
        if (status is null)
            return;
        try
        {
            live.ApplyStatus(jid.ToString(), JsonNode.Parse(status));
        }
        catch (JsonException ex)
        {
            LogBadStatus(jid.ToString(), ex.Message);
        }
    }

    private Task OnEventAsync(AgentEvent agentEvent, InboundContext sender)
    {
        if (agentEvent.Name != "vm.lifecycle" || agentEvent.Data is not JsonObject data)
            return Task.CompletedTask;
        var vm = data["vm"]?.GetValue<string>();
        var change = data["event"]?.GetValue<string>();
        if (vm is null || change is null)
            return Task.CompletedTask;
        var record = store.FindVm(vm);
        // Only the host that holds the VM may report on it.
        if (record is null || !string.Equals(record.HostJid, sender.Identity, StringComparison.OrdinalIgnoreCase))
            return Task.CompletedTask;
        var state = change switch
        {
            "started" or "resumed" => "running",
            "suspended" => "paused",
            "stopped" or "shutdown" or "crashed" => "shutoff",
            _ => null,
        };
        if (state is not null)
        {
            store.UpdateVmState(vm, state);
            LogVmState(vm, state, record.HostJid);
        }
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Cluster room {Room} ready; {Hosts} admitted hosts")]
    private partial void LogReady(string room, int hosts);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Host {Jid} online as {Nick}")]
    private partial void LogHostOnline(string jid, string nick);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Host {Jid} left the room (status {Codes})")]
    private partial void LogHostOffline(string jid, string codes);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Host {Jid} sent an unreadable status: {Reason}")]
    private partial void LogBadStatus(string jid, string reason);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Error, Message = "Onboarding or re-keying for host {Jid} failed")]
    private partial void LogOnboardingFailed(Exception exception, string jid);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "VM {Vm} is now {State} on {Host}")]
    private partial void LogVmState(string vm, string state, string host);
}
