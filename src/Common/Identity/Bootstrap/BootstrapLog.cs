using Microsoft.Extensions.Logging;

namespace CleverCloud.Identity.Bootstrap;

/// <summary>Log messages of the agent identity start-up and renewal (event ids 3400-3499).</summary>
internal static partial class BootstrapLog
{
    [LoggerMessage(EventId = 3400, Level = LogLevel.Information, Message = "Identity: loaded {Address} ({Role}) from {Path}, serial {Serial}, valid until {NotAfter:u}")]
    public static partial void Loaded(ILogger logger, string address, string role, string path, string serial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Identity: no keystore at {Path}; enrolling {Address} as {Role} with a new {Algorithm} key")]
    public static partial void Enrolling(ILogger logger, string path, string address, string role, string algorithm);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Identity: enrolled {Address}, serial {Serial}, valid until {NotAfter:u}; keystore written to {Path}")]
    public static partial void Enrolled(ILogger logger, string address, string serial, DateTimeOffset notAfter, string path);

    [LoggerMessage(EventId = 3403, Level = LogLevel.Error, Message = "Identity: refused: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(EventId = 3404, Level = LogLevel.Information, Message = "Identity: renewal of {Address} scheduled at {RenewAt:u} (certificate valid until {NotAfter:u})")]
    public static partial void RenewalScheduled(ILogger logger, string address, DateTimeOffset renewAt, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 3405, Level = LogLevel.Information, Message = "Identity: renewed {Address}: serial {OldSerial} -> {NewSerial}, valid until {NotAfter:u}")]
    public static partial void Renewed(ILogger logger, string address, string oldSerial, string newSerial, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 3406, Level = LogLevel.Warning, Message = "Identity: renewal attempt {Attempt} failed (transient {Transient}); retrying in {Delay}")]
    public static partial void RenewalFailed(ILogger logger, int attempt, bool transient, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3407, Level = LogLevel.Critical, Message = "Identity: the certificate of {Address} expired on {NotAfter:u} and could not be renewed; the agent stops. Enroll again with a new challenge.")]
    public static partial void ExpiredWithoutRenewal(ILogger logger, string address, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 3408, Level = LogLevel.Warning, Message = "Identity: enrollment attempt {Attempt} failed transiently; retrying in {Delay}")]
    public static partial void EnrollmentRetry(ILogger logger, int attempt, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3409, Level = LogLevel.Warning, Message = "Identity: the keystore certificate of {Address} expired on {NotAfter:u}; enrolling again with the configured challenge")]
    public static partial void ReEnrollingExpired(ILogger logger, string address, DateTimeOffset notAfter);
}
