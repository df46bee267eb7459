using System.Text.Json;
using System.Text.Json.Nodes;
using CleverCloud.Agent;
using CleverCloud.Agent.Hosting;
using CleverCloud.Agent.Security;
using Microsoft.Extensions.DependencyInjection;
using CleverCloud.HostManager.Monitoring;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Muc;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Workers;

/// <summary>
/// The HM's life in the cluster: connect (registering the account in-band on first start), ask the CM for admission,
/// join the members-only room, announce the host's status in its room presence, forward libvirt lifecycle events to
/// the CM, and answer commands (through the command endpoint) until stopped.
/// </summary>
public sealed partial class HostAgentService(
    XmppClient client,
    MultiUserChat muc,
    CommandEndpoint endpoint,
    HostMonitor monitor,
    LifecycleEventMonitor lifecycle,
    IOptions<AgentOptions> agentOptions,
    IServiceProvider services,
    ILogger<HostAgentService> logger) : BackgroundService
{
    private readonly AgentOptions _agent = agentOptions.Value;
    // Present when the cluster runs secured: the status presence is signed (paper §V-A, the signed presence example).
    private readonly SecureProtector? _protector = services.GetService<SecureProtector>();
    private Jid Room => Jid.Parse(_agent.RoomJid);
    private string Nick => _agent.Nick ?? client.Options.Username;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await AgentConnector.ConnectAsync(client, logger, stoppingToken).ConfigureAwait(false);
        ReleaseStartupGarbage();
        await JoinClusterAsync(stoppingToken).ConfigureAwait(false);
        client.SessionEstablished += async ct =>
        {
            // The room is rejoined by the MUC manager; repeat our status so the CM sees the host's state at once.
            await AnnounceStatusAsync(monitor.Latest, ct).ConfigureAwait(false);
        };
        monitor.StatusChanged += OnStatusChanged;
        if (_protector is not null)
            _protector.IdentityRenewed += OnIdentityRenewed;
        var republish = RepublishAsync(stoppingToken);
        try
        {
            await AnnounceStatusAsync(monitor.Latest ?? await monitor.SampleAsync(stoppingToken).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
            await ForwardLifecycleEventsAsync(stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            monitor.StatusChanged -= OnStatusChanged;
            if (_protector is not null)
                _protector.IdentityRenewed -= OnIdentityRenewed;
            await republish.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Startup (configuration, the container, libvirt, the TLS handshake, registration) allocates several times what
    /// the HM keeps alive, and the GC keeps that memory committed after collecting it; an idle HM then triggers too few
    /// collections for it ever to be given back. One compacting collection that decommits what is free, once connected,
    /// returns it to the system (issue 5, bench/hm-footprint.sh: about 5 MB of a 7 MB heap); the small gen0 budget in
    /// the project file keeps it from growing back. A blocking collection of a heap this small takes a few milliseconds.
    /// </summary>
    private static void ReleaseStartupGarbage() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    /// <summary>
    /// Re-announces the status well within the signature freshness window: the room replays an occupant's last
    /// presence to joiners (and to the CM after a restart), and a stale signed presence would be refused.
    /// </summary>
    private async Task RepublishAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(20));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            await AnnounceStatusAsync(monitor.Latest, stoppingToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Admission, then the room (paper §III-B: HMs are logically included in the CM's room). Not yet admitted is not
    /// fatal: an administrator may admit the host later, so ask again with backoff.
    /// </summary>
    private async Task JoinClusterAsync(CancellationToken stoppingToken)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                var admission = await endpoint.RequestAsync(_agent.ManagerJid, "cluster.join", null, _agent.RequestTimeout, stoppingToken).ConfigureAwait(false);
                if (admission.Success)
                {
                    await muc.JoinAsync(Room, Nick, stoppingToken).ConfigureAwait(false);
                    LogJoined(Room.ToString(), Nick);
                    return;
                }
                LogNotAdmitted((int)admission.Code, admission.Message ?? "");
            }
            catch (CommandTimeoutException ex)
            {
                LogManagerUnreachable(_agent.ManagerJid, ex.Message);
            }
            catch (MucJoinException ex)
            {
                LogJoinRefused(Room.ToString(), ex.Message);
            }
            catch (XmppException ex) when (ex.IsTransient)
            {
                LogManagerUnreachable(_agent.ManagerJid, ex.Message);
            }
            attempt++;
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(500, (int)Math.Min(60_000, 1000 * Math.Pow(2, Math.Min(attempt, 8))))), stoppingToken).ConfigureAwait(false);
        }
    }

    private void OnStatusChanged(object? sender, HostStatus status) =>
        _ = AnnounceStatusAsync(status, CancellationToken.None);

    /// <summary>A renewed certificate is shown to the CM at once by a presence signed with it (it then re-sends the room key).</summary>
    private void OnIdentityRenewed(object? sender, EventArgs e) =>
        _ = AnnounceStatusAsync(monitor.Latest, CancellationToken.None);

    /// <summary>The host's status travels in its room presence (paper §V-A: the signed presence example).</summary>
    private async Task AnnounceStatusAsync(HostStatus? status, CancellationToken cancellationToken)
    {
        if (status is null || !muc.IsJoined(Room))
            return;
        var json = JsonSerializer.Serialize(status, MonitoringJsonContext.Default.HostStatus);
        var presence = new Presence { To = Room.WithResource(Nick) };
        if (_protector is null)
            presence.Status = json;
        else
            presence.Add(_protector.Codec.SignPresence(Room.ToString(), "available", json));
        try
        {
            await client.SendAsync(presence, cancellationToken).ConfigureAwait(false);
        }
        catch (XmppException ex) when (ex.IsTransient)
        {
            LogStatusNotSent(ex.Message); // the next sample or the reconnect re-announces it
        }
    }

    private async Task ForwardLifecycleEventsAsync(CancellationToken stoppingToken)
    {
        await foreach (var change in lifecycle.Events.ReadAllAsync(stoppingToken).ConfigureAwait(false))
        {
            var data = new JsonObject
            {
                ["vm"] = change.Name,
                ["uuid"] = change.Uuid,
                ["event"] = change.EventName,
                ["detail"] = change.Detail,
                ["at"] = change.ObservedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            };
            try
            {
                await endpoint.PublishEventAsync(Room.WithResource(ManagerNick).ToString(), "vm.lifecycle", data, stoppingToken).ConfigureAwait(false);
            }
            catch (XmppException ex) when (ex.IsTransient)
            {
                LogEventNotSent(change.Name, change.EventName, ex.Message);
            }
        }
    }

    /// <summary>The CM's nick in the room: the local part of its JID, as the CM joins with it.</summary>
    private string ManagerNick => Jid.Parse(_agent.ManagerJid).Local ?? "cm";

    [LoggerMessage(EventId = 5901, Level = LogLevel.Information, Message = "Admitted: joined {Room} as {Nick}")]
    private partial void LogJoined(string room, string nick);

    [LoggerMessage(EventId = 5902, Level = LogLevel.Warning, Message = "Not admitted to the cluster yet (error {Code}: {Reason}); asking again later")]
    private partial void LogNotAdmitted(int code, string reason);

    [LoggerMessage(EventId = 5903, Level = LogLevel.Warning, Message = "Cluster manager {Manager} did not answer: {Reason}; asking again later")]
    private partial void LogManagerUnreachable(string manager, string reason);

    [LoggerMessage(EventId = 5904, Level = LogLevel.Warning, Message = "Joining {Room} refused: {Reason}; asking again later")]
    private partial void LogJoinRefused(string room, string reason);

    [LoggerMessage(EventId = 5905, Level = LogLevel.Debug, Message = "Status not sent: {Reason}")]
    private partial void LogStatusNotSent(string reason);

    [LoggerMessage(EventId = 5906, Level = LogLevel.Warning, Message = "Lifecycle event {Vm} {Event} not forwarded: {Reason}")]
    private partial void LogEventNotSent(string vm, string @event, string reason);
}
