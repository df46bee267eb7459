using Microsoft.Extensions.Logging;

namespace CleverCloud.Identity.Scep;

/// <summary>Every log line of the SCEP client (event ids 3000-3099).</summary>
internal static partial class ScepClientLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "SCEP: enrolling {Address} as {Role} at {Endpoint} (transaction {TransactionId})")]
    public static partial void Enrolling(ILogger logger, string address, string role, Uri endpoint, string transactionId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "SCEP: certificate issued for {Address}, serial {Serial}, valid until {NotAfter:u}")]
    public static partial void Issued(ILogger logger, string address, string serial, DateTime notAfter);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "SCEP: transaction {TransactionId} pending at the CA, polling again in {Interval}")]
    public static partial void Pending(ILogger logger, string transactionId, TimeSpan interval);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "SCEP: the CA rejected transaction {TransactionId}: {FailInfo}")]
    public static partial void Rejected(ILogger logger, string transactionId, ScepFailInfo? failInfo);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "SCEP: renewing {Address} (old serial {OldSerial}, transaction {TransactionId})")]
    public static partial void Renewing(ILogger logger, string address, string oldSerial, string transactionId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Debug, Message = "SCEP: CA certificates accepted through the pinned anchor: CA {CaSubject}, {RaCount} RA certificate(s)")]
    public static partial void CaCertificatesAccepted(ILogger logger, string caSubject, int raCount);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error, Message = "SCEP: GetCACert returned no certificate matching the pinned CA fingerprint")]
    public static partial void CaNotPinned(ILogger logger);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "SCEP: the CA could not be reached or answered HTTP {StatusCode} for {Operation}")]
    public static partial void TransportFailure(ILogger logger, string operation, int statusCode, Exception? exception);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "SCEP: the CA's reply to transaction {TransactionId} is not acceptable: {Reason}")]
    public static partial void BadReply(ILogger logger, string transactionId, string reason);
}
