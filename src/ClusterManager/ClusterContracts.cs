using System.Text.Json.Nodes;
using CleverCloud.Protocol;

namespace CleverCloud.ClusterManager;

/// <summary>Sends a command to one host of the cluster and waits for its reply.</summary>
public interface IHostCommandSender
{
    Task<OperationResult> SendAsync(string hostJid, string operation, JsonObject? arguments, CancellationToken cancellationToken);
}

/// <summary>What the CM, as the room's only owner, does to the room's membership.</summary>
public interface IRoomAdministration
{
    string RoomJid { get; }

    /// <summary>Makes the host a member (XEP-0045 §9.3) so it can join the members-only room.</summary>
    Task GrantMembershipAsync(string bareJid, string reason, CancellationToken cancellationToken);

    /// <summary>Removes membership (affiliation none, §9.4) and kicks the occupant if present.</summary>
    Task RevokeMembershipAsync(string bareJid, string reason, CancellationToken cancellationToken);

    /// <summary>Sends a mediated invitation (§7.8.2), e.g. to a rented host of another domain.</summary>
    Task InviteAsync(string bareJid, string reason, CancellationToken cancellationToken);
}

public sealed class ClusterManagerOptions
{
    public const string Section = "Cluster";

    /// <summary>SQLite file holding admitted hosts, VMs and images.</summary>
    public string DatabasePath { get; set; } = "/var/lib/clevercloud/cm/cluster.db";

    /// <summary>
    /// Domains whose host managers are admitted when they ask to join (their certificate must say role hm when the
    /// cluster runs secured). Hosts of other domains (federation) are admitted only by an administrator.
    /// </summary>
    public List<string> AutoAdmitDomains { get; set; } = [];

    /// <summary>Administrator addresses allowed to send cluster commands when the cluster runs without certificates.</summary>
    public List<string> Administrators { get; set; } = [];

    /// <summary>Memory each host keeps for itself, not offered to VMs.</summary>
    public long HostReserveMiB { get; set; } = 256;

    /// <summary>How long the CM waits for a host's reply to a forwarded command.</summary>
    public TimeSpan HostCommandTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often the CM fetches the CRL and re-checks the certificates of the hosts holding the room key; a host whose
    /// certificate was revoked (or expired, or withdrawn from the directory) is removed and the room re-keyed.
    /// </summary>
    public TimeSpan CertificateCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DatabasePath))
            throw new ArgumentException("Cluster:DatabasePath is required", nameof(DatabasePath));
        if (HostReserveMiB < 0)
            throw new ArgumentException("Cluster:HostReserveMiB must not be negative", nameof(HostReserveMiB));
        if (HostCommandTimeout <= TimeSpan.Zero)
            throw new ArgumentException("Cluster:HostCommandTimeout must be positive", nameof(HostCommandTimeout));
        if (CertificateCheckInterval < TimeSpan.FromMilliseconds(100))
            throw new ArgumentException("Cluster:CertificateCheckInterval must be at least 00:00:00.1", nameof(CertificateCheckInterval));
        foreach (var domain in AutoAdmitDomains)
        {
            if (string.IsNullOrWhiteSpace(domain) || domain.Contains('@', StringComparison.Ordinal))
                throw new ArgumentException($"Cluster:AutoAdmitDomains entry '{domain}' must be a domain like clever.example", nameof(AutoAdmitDomains));
        }
    }
}
