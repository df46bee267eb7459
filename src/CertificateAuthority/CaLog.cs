using Microsoft.Extensions.Logging;

namespace CleverCloud.CertificateAuthority;

/// <summary>Every log line of the certificate authority (event ids 3500-3999).</summary>
internal static partial class CaLog
{
    [LoggerMessage(EventId = 3500, Level = LogLevel.Information, Message = "CA created: {Subject} ({Algorithm}), fingerprint SHA-256 {Fingerprint}, state in {StateDirectory}")]
    public static partial void CaCreated(ILogger logger, string subject, string algorithm, string fingerprint, string stateDirectory);

    [LoggerMessage(EventId = 3501, Level = LogLevel.Information, Message = "CA loaded: {Subject}, fingerprint SHA-256 {Fingerprint}")]
    public static partial void CaLoaded(ILogger logger, string subject, string fingerprint);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Information, Message = "SCEP endpoint listening on {Url}")]
    public static partial void Listening(ILogger logger, string url);

    [LoggerMessage(EventId = 3510, Level = LogLevel.Information, Message = "Challenge created for {Address} as {Role}, expires {ExpiresAt:u}")]
    public static partial void ChallengeCreated(ILogger logger, string address, string role, DateTimeOffset expiresAt);

    [LoggerMessage(EventId = 3511, Level = LogLevel.Warning, Message = "Transaction {TransactionId}: challenge refused ({Check}) for requested address {Address}")]
    public static partial void ChallengeRefused(ILogger logger, string transactionId, string check, string? address);

    [LoggerMessage(EventId = 3520, Level = LogLevel.Information, Message = "Issued {Serial} to {Address} as {Role} (transaction {TransactionId}, {Kind}), valid until {NotAfter:u}")]
    public static partial void Issued(ILogger logger, string serial, string address, string role, string transactionId, string kind, DateTime notAfter);

    [LoggerMessage(EventId = 3521, Level = LogLevel.Information, Message = "Transaction {TransactionId} for {Address} awaits manual approval (clever-ca approve {TransactionId})")]
    public static partial void AwaitingApproval(ILogger logger, string transactionId, string address);

    [LoggerMessage(EventId = 3522, Level = LogLevel.Warning, Message = "Transaction {TransactionId}: publishing the certificate of {Address} to the directory failed; nothing issued, answered PENDING until the directory is back")]
    public static partial void DirectoryPublishFailed(ILogger logger, string transactionId, string address, Exception exception);

    [LoggerMessage(EventId = 3523, Level = LogLevel.Error, Message = "Transaction {TransactionId}: the certificate was published but could not be recorded; publication of {Address} rolled back")]
    public static partial void CommitFailedRolledBack(ILogger logger, string transactionId, string address);

    [LoggerMessage(EventId = 3524, Level = LogLevel.Error, Message = "Transaction {TransactionId}: rolling back the publication of {Address} failed; the directory may hold an unrecorded certificate until the next sync")]
    public static partial void RollbackFailed(ILogger logger, string transactionId, string address, Exception exception);

    [LoggerMessage(EventId = 3525, Level = LogLevel.Information, Message = "Transaction {TransactionId} approved by the administrator")]
    public static partial void Approved(ILogger logger, string transactionId);

    [LoggerMessage(EventId = 3530, Level = LogLevel.Warning, Message = "SCEP request rejected ({FailInfo}), transaction {TransactionId}, {MessageType}: {Reason}")]
    public static partial void Rejected(ILogger logger, string failInfo, string transactionId, string messageType, string reason);

    [LoggerMessage(EventId = 3531, Level = LogLevel.Warning, Message = "SCEP HTTP request refused with {StatusCode}: {Reason}")]
    public static partial void HttpRefused(ILogger logger, int statusCode, string reason);

    [LoggerMessage(EventId = 3532, Level = LogLevel.Information, Message = "Transaction {TransactionId} ({MessageType}) answered PENDING: {Reason}")]
    public static partial void AnsweredPending(ILogger logger, string transactionId, string messageType, string reason);

    [LoggerMessage(EventId = 3540, Level = LogLevel.Warning, Message = "Revoked {Serial} of {Address}, reason {Reason}")]
    public static partial void Revoked(ILogger logger, string serial, string address, string reason);

    [LoggerMessage(EventId = 3541, Level = LogLevel.Information, Message = "CRL number {CrlNumber} signed with {Entries} entries, next update {NextUpdate:u}")]
    public static partial void CrlSigned(ILogger logger, long crlNumber, int entries, DateTimeOffset nextUpdate);

    [LoggerMessage(EventId = 3542, Level = LogLevel.Warning, Message = "Publishing to the directory failed ({What}); retried at the next directory sync")]
    public static partial void DirectorySyncFailed(ILogger logger, string what, Exception exception);

    [LoggerMessage(EventId = 3543, Level = LogLevel.Information, Message = "Removed the revoked certificate {Serial} of {Address} from the directory")]
    public static partial void Unpublished(ILogger logger, string serial, string address);

    [LoggerMessage(EventId = 3544, Level = LogLevel.Error, Message = "Periodic CRL refresh failed; retrying in {RetryIn}")]
    public static partial void CrlRefreshFailed(ILogger logger, TimeSpan retryIn, Exception exception);
}
