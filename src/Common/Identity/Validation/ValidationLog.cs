using Microsoft.Extensions.Logging;

namespace CleverCloud.Identity.Validation;

/// <summary>Log messages of peer-certificate validation (event ids 3300-3399).</summary>
internal static partial class ValidationLog
{
    [LoggerMessage(EventId = 3300, Level = LogLevel.Warning, Message = "Peer certificate of {Address} rejected: {Status}: {Reason}")]
    public static partial void Rejected(ILogger logger, string address, string status, string reason);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Debug, Message = "Peer certificate of {Address} valid: role {Role}, serial {Serial}, cached until {Until:u}")]
    public static partial void Accepted(ILogger logger, string address, string role, string serial, DateTimeOffset until);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "CRL accepted: number {Number}, {Count} revoked, this update {ThisUpdate:u}, next update {NextUpdate:u}")]
    public static partial void CrlAccepted(ILogger logger, string number, int count, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Error, Message = "CRL from the directory rejected: {Reason}")]
    public static partial void CrlRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Warning, Message = "No usable CRL ({Reason}); peers are rejected until one is published")]
    public static partial void NoUsableCrl(ILogger logger, string reason);

    [LoggerMessage(EventId = 3305, Level = LogLevel.Information, Message = "Peer certificate cache: {What}")]
    public static partial void CacheInvalidated(ILogger logger, string what);

    [LoggerMessage(EventId = 3307, Level = LogLevel.Warning, Message = "CRL refresh deferred, the directory is unavailable ({Reason}); the current CRL is still within its nextUpdate")]
    public static partial void CrlRefreshDeferred(ILogger logger, string reason);

    [LoggerMessage(EventId = 3306, Level = LogLevel.Warning, Message = "Refused to resolve {Address}: {Reason}")]
    public static partial void BadAddress(ILogger logger, string address, string reason);
}
