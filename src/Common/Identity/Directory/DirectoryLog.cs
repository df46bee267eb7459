using Microsoft.Extensions.Logging;

namespace CleverCloud.Identity.Directory;

/// <summary>Log messages of the certificate directory (event ids 3100-3199).</summary>
internal static partial class DirectoryLog
{
    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "LDAP: published the certificate of {Address} (role {Role}, serial {Serial}) as {Dn}")]
    public static partial void CertificatePublished(ILogger logger, string address, string role, string serial, string dn);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "LDAP: removed the entry of {Address}")]
    public static partial void CertificateRemoved(ILogger logger, string address);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "LDAP: no entry to remove for {Address}")]
    public static partial void NothingToRemove(ILogger logger, string address);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "LDAP: published a CRL of {Length} bytes on {Dn}")]
    public static partial void CrlPublished(ILogger logger, int length, string dn);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "LDAP: lookup of {Address}: {Count} matching entries")]
    public static partial void Lookup(ILogger logger, string address, int count);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Warning, Message = "LDAP: the directory {Uri} is unavailable during {Operation}: {Reason}")]
    public static partial void Unavailable(ILogger logger, string uri, string operation, string reason);

    [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "LDAP: {Operation} failed with result {ResultCode}: {Reason}")]
    public static partial void OperationFailed(ILogger logger, string operation, string resultCode, string reason);

    [LoggerMessage(EventId = 3107, Level = LogLevel.Error, Message = "LDAP: TLS with {Uri} failed during {Operation}: {Reason}")]
    public static partial void TlsFailed(ILogger logger, string uri, string operation, string reason);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "LDAP: refused input for {Operation}: {Reason}")]
    public static partial void InputRefused(ILogger logger, string operation, string reason);

    [LoggerMessage(EventId = 3109, Level = LogLevel.Error, Message = "LDAP: unusable data for {Address}: {Reason}")]
    public static partial void BadData(ILogger logger, string address, string reason);

    [LoggerMessage(EventId = 3110, Level = LogLevel.Debug, Message = "LDAP: connected to {Uri} (StartTLS {StartTls}, bound as {BindDn})")]
    public static partial void Connected(ILogger logger, string uri, bool startTls, string bindDn);
}
