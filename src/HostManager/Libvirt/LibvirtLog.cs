using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Libvirt;

/// <summary>Log messages of the libvirt binding and connection (event ids 5000-5099).</summary>
internal static partial class LibvirtLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Connected to libvirt at {Uri} ({Driver})")]
    public static partial void Connected(this ILogger logger, string uri, string driver);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Cannot connect to libvirt at {Uri} (attempt {Attempt}, next in {RetryDelay}): {Reason}")]
    public static partial void ConnectFailed(this ILogger logger, string uri, int attempt, TimeSpan retryDelay, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "libvirt connection to {Uri} lost: {Reason}")]
    public static partial void ConnectionLost(this ILogger logger, string uri, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "libvirt connection to {Uri} closed by libvirt ({Reason})")]
    public static partial void ConnectionClosedByLibvirt(this ILogger logger, string uri, ConnectionCloseReason reason);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Keepalive not supported on {Uri}; relying on call failures to detect a lost connection")]
    public static partial void KeepAliveUnsupported(this ILogger logger, string uri);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "A connection initializer failed on {Uri}")]
    public static partial void InitializerFailed(this ILogger logger, Exception exception, string uri);
}
