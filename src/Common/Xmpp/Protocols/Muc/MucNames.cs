using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>XEP-0045 §5.2 affiliations: long-lived standing in the room.</summary>
public enum MucAffiliation
{
    Owner,
    Admin,
    Member,
    Outcast,
    None,
}

/// <summary>XEP-0045 §5.1 roles: standing within the current visit.</summary>
public enum MucRole
{
    Moderator,
    Participant,
    Visitor,
    None,
}

internal static class MucNames
{
    public static readonly XmlEnumMap<MucAffiliation> Affiliations = new(
        (MucAffiliation.Owner, "owner"),
        (MucAffiliation.Admin, "admin"),
        (MucAffiliation.Member, "member"),
        (MucAffiliation.Outcast, "outcast"),
        (MucAffiliation.None, "none"));

    public static readonly XmlEnumMap<MucRole> Roles = new(
        (MucRole.Moderator, "moderator"),
        (MucRole.Participant, "participant"),
        (MucRole.Visitor, "visitor"),
        (MucRole.None, "none"));

    public static string ToName(this MucRole role) => Roles.ToName(role);
}

/// <summary>XEP-0045 status codes (the XMPP Registrar's mucstatus registry) that agents act on.</summary>
public static class MucStatusCodes
{
    /// <summary>Any occupant may see full JIDs: the room is non-anonymous.</summary>
    public const int NonAnonymous = 100;

    /// <summary>Affiliation changed while the user was not in the room.</summary>
    public const int AffiliationChangedWhileAway = 101;

    /// <summary>This presence is the receiver's own: the join (or change) is complete.</summary>
    public const int SelfPresence = 110;

    /// <summary>Room logging is now enabled.</summary>
    public const int LoggingEnabled = 170;

    /// <summary>The room is now non-anonymous.</summary>
    public const int NowNonAnonymous = 172;

    /// <summary>A new room was created and is locked until configured (XEP-0045 §10.1).</summary>
    public const int RoomCreated = 201;

    /// <summary>The service assigned or changed the nickname.</summary>
    public const int NicknameModified = 210;

    public const int Banned = 301;
    public const int NicknameChanged = 303;
    public const int Kicked = 307;

    /// <summary>Removed because of an affiliation change.</summary>
    public const int RemovedByAffiliationChange = 321;

    /// <summary>Removed because the room became members-only and the user is not a member.</summary>
    public const int RemovedByMembersOnly = 322;

    /// <summary>Removed because the service is shutting down.</summary>
    public const int RemovedBySystemShutdown = 332;

    /// <summary>Removed because of a technical problem (XEP-0045 §7.2.3 / 333).</summary>
    public const int RemovedByTechnicalError = 333;
}
