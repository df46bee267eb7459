using Microsoft.Extensions.Logging;

namespace CleverCloud.Identity.Keystore;

/// <summary>Log messages of the keystore (event ids 3200-3299).</summary>
internal static partial class KeystoreLog
{
    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Keystore: loaded {Path}: {Subject}, serial {Serial}, valid until {NotAfter:u}, {ChainCount} chain certificate(s)")]
    public static partial void Loaded(ILogger logger, string path, string subject, string serial, DateTime notAfter, int chainCount);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Keystore: saved {Path} atomically: {Subject}, serial {Serial}")]
    public static partial void Saved(ILogger logger, string path, string subject, string serial);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "Keystore: cannot load {Path}: {Failure}: {Reason}")]
    public static partial void LoadFailed(ILogger logger, string path, KeystoreFailure failure, string reason);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Error, Message = "Keystore: cannot save {Path}, the previous file is unchanged: {Reason}")]
    public static partial void SaveFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Warning, Message = "Keystore: {Path} has mode {Mode}; it should be readable by its owner only (0600)")]
    public static partial void LooseFileMode(ILogger logger, string path, string mode);
}
