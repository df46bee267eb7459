namespace CleverCloud.Identity.Certificates;

/// <summary>
/// The role an entity plays in a CleverCloud cluster. Bound into its certificate at issuance (see
/// <see cref="CleverOids.AgentRoleExtension"/>) and into its SCEP challenge, so a host cannot enroll as a manager.
/// </summary>
public enum AgentRole
{
    ClusterManager = 1,
    HostManager = 2,
    Administrator = 3,
}

public static class AgentRoleNames
{
    public static string ToWire(this AgentRole role) => role switch
    {
        AgentRole.ClusterManager => "cm",
        AgentRole.HostManager => "hm",
        AgentRole.Administrator => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string? text, out AgentRole role)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "cm": case "clustermanager": role = AgentRole.ClusterManager; return true;
            case "hm": case "hostmanager": role = AgentRole.HostManager; return true;
            case "admin": case "administrator": role = AgentRole.Administrator; return true;
            default: role = default; return false;
        }
    }
}
