using System.Text.Json;
using System.Text.Json.Nodes;
using CleverCloud.Agent;
using CleverCloud.Agent.Hosting;
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
    ILogger<ClusterAgentService> logger) : BackgroundService
{
    private readonly AgentOptions _agent = agentOptions.Value;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

        await AgentConnector.ConnectAsync(client, logger, stoppingToken).ConfigureAwait(false);
        await muc.CreateOrConfigureAsync(Room, Nick, MucRoomConfig.ControlRoom(), stoppingToken).ConfigureAwait(false);
        foreach (var host in store.AdmittedHosts())
            await muc.SetAffiliationAsync(Room, Jid.Parse(host.Jid), MucAffiliation.Member, "admitted host", stoppingToken).ConfigureAwait(false);
        LogReady(Room.ToString(), store.AdmittedHosts().Count);
        _ready.TrySetResult();
        await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void OnOccupantJoined(Jid room, Occupant occupant)
    {
        if (room != Room || occupant.RealJid is not { } jid)
            return;
        if (store.IsAdmitted(jid.ToString()))
        {
            live.MarkOnline(jid.ToString(), occupant.Address.ToString());
            LogHostOnline(jid.ToString(), occupant.Nick);
        }
    }

    private void OnOccupantLeft(Jid room, Occupant occupant, IReadOnlyList<int> codes)
    {
        if (room != Room || occupant.RealJid is not { } jid)
            return;
        live.MarkOffline(jid.ToString());
        LogHostOffline(jid.ToString(), string.Join(",", codes));
    }

    /// <summary>Hosts report their status as JSON in their room presence.</summary>
    private Task OnPresenceAsync(Presence presence, CancellationToken cancellationToken)
    {
        if (presence.From is not { } from || from.Bare != Room || presence.Type != PresenceType.Available || presence.Status is not { } status)
            return Task.CompletedTask;
        var occupant = muc.FindOccupant(from);
        if (occupant?.RealJid is not { } jid || !store.IsAdmitted(jid.ToString()))
            return Task.CompletedTask;
        try
        {
            live.ApplyStatus(jid.ToString(), JsonNode.Parse(status));
            live.MarkOnline(jid.ToString(), from.ToString());
        }
        catch (JsonException ex)
        {
            LogBadStatus(jid.ToString(), ex.Message);
        }
        return Task.CompletedTask;
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

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "VM {Vm} is now {State} on {Host}")]
    private partial void LogVmState(string vm, string state, string host);
}
