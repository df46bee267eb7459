using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary>Log messages of the Host Manager's operations (event ids 5100-5299).</summary>
internal static partial class OperationsLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Warning, Message = "Request {RequestId}: {Operation} failed in libvirt {Function} (libvirt error {LibvirtCode} {LibvirtCodeName}, from {LibvirtDomain}) -> {Code}: {Reason}")]
    public static partial void LibvirtFailure(this ILogger logger, string requestId, string operation, string function, int libvirtCode,
        string libvirtCodeName, string libvirtDomain, int code, string reason);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Request {RequestId}: VM {Name} {Action}")]
    public static partial void VmChanged(this ILogger logger, string requestId, string name, string action);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Information, Message = "Request {RequestId}: VM {Name} did not stop within {Timeout}; destroying it as asked")]
    public static partial void ShutdownForced(this ILogger logger, string requestId, string name, TimeSpan timeout);

    [LoggerMessage(EventId = 5120, Level = LogLevel.Information, Message = "Request {RequestId}: migrating VM {Name} to {Target} ({Mode})")]
    public static partial void MigrationStarted(this ILogger logger, string requestId, string name, string target, string mode);

    [LoggerMessage(EventId = 5121, Level = LogLevel.Warning, Message = "Request {RequestId}: migration of {Name} failed at step '{Step}', rolling back: {Reason}")]
    public static partial void MigrationFailed(this ILogger logger, string requestId, string name, string step, string reason);

    [LoggerMessage(EventId = 5122, Level = LogLevel.Error, Message = "Request {RequestId}: rollback of the migration of {Name} failed at step '{Step}': {Reason}")]
    public static partial void MigrationRollbackFailed(this ILogger logger, string requestId, string name, string step, string reason);

}
