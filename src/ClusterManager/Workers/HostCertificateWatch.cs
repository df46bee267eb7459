using CleverCloud.ClusterManager.State;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.ClusterManager.Workers;

/// <summary>
/// Keeps revoked hosts out of the room (issue 4, room hardening): on every tick the CRL is fetched and the certificate
/// of each host holding the room key is checked again. A host whose certificate is revoked, expired or no longer
/// published (the CA withdraws the LDAP entry on revocation) is re-keyed out first — so it never sees the next
/// epoch even if the room refuses to drop it — then de-affiliated, kicked and forgotten as an admitted host.
/// </summary>
public sealed partial class HostCertificateWatch(
    RoomKeyService keys,
    IPeerCertificateResolver resolver,
    IRoomAdministration room,
    ClusterStore store,
    LiveHosts live,
    IOptions<ClusterManagerOptions> options,
    ILogger<HostCertificateWatch> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CertificateCheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
                await CheckOnceAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>One pass; returns the hosts removed.</summary>
    public async Task<IReadOnlyList<string>> CheckOnceAsync(CancellationToken cancellationToken)
    {
        var removed = new List<string>();
        try
        {
            await resolver.RefreshCrlAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryException ex)
        {
            // Without a fresh CRL the cached verdicts stand; an outage must not evict the whole cluster.
            LogCheckDeferred(ex.Message);
            return removed;
        }
        foreach (var host in keys.Members)
        {
            PeerCertificateResult result;
            try
            {
                result = await resolver.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
            }
            catch (DirectoryException ex)
            {
                LogCheckDeferred(ex.Message);
                return removed;
            }
            // Untrusted covers "no usable CRL", a cluster-wide condition, not evidence against this host.
            if (result.IsValid || result.Status is not (PeerCertificateStatus.Revoked or PeerCertificateStatus.Expired or PeerCertificateStatus.Unknown))
                continue;
            var reason = $"certificate {result.Status}: {result.Reason}";
            LogRemoving(host, reason);
            await keys.RekeyWithoutAsync(host, result.Status == PeerCertificateStatus.Expired ? "expired" : "revoked", cancellationToken).ConfigureAwait(false);
            try
            {
                await room.RevokeMembershipAsync(host, reason, cancellationToken).ConfigureAwait(false);
            }
            catch (Xmpp.Core.XmppException ex)
            {
                // Re-keyed already: it cannot read the room any more. The affiliation is dropped again at the next restart.
                LogDeaffiliationFailed(host, ex.Message);
            }
            store.RemoveHost(host, reason);
            live.Forget(host);
            removed.Add(host);
        }
        return removed;
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Warning, Message = "Removing host {Host} from the cluster: {Reason}")]
    private partial void LogRemoving(string host, string reason);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Warning, Message = "Certificate check deferred: {Reason}")]
    private partial void LogCheckDeferred(string reason);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Error, Message = "Host {Host} was re-keyed out but its room membership could not be dropped: {Reason}")]
    private partial void LogDeaffiliationFailed(string host, string reason);
}
