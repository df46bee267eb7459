using CleverCloud.Protocol;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Security.Diagnostics;

/// <summary>Every log line of the security layer. Event ids 4000-4999 belong to this project; never reuse one.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "SECURITY rejected envelope {MessageId} from {Sender}: {Code} ({CodeNumber}) {Detail}")]
    public static partial void EnvelopeRejected(
        ILogger logger, string sender, string messageId, ErrorCode code, int codeNumber, string detail);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug,
        Message = "Accepted {Type} {MessageId} from {Sender} ({Role})")]
    public static partial void EnvelopeAccepted(ILogger logger, string type, string messageId, string sender, string role);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information,
        Message = "Installed room key epoch {Epoch} for {Room} from {Moderator}")]
    public static partial void RoomKeyInstalled(ILogger logger, uint epoch, string room, string moderator);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Debug,
        Message = "Key distribution {MessageId} for epoch {Epoch} holds no entry for this agent")]
    public static partial void KeyDistributionNotForUs(ILogger logger, string messageId, uint epoch);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information,
        Message = "Room {Room}: new session key epoch {Epoch} ({Reason})")]
    public static partial void RoomKeyRotated(ILogger logger, string room, uint epoch, string reason);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Information,
        Message = "Room {Room}: epoch {Epoch} wrapped for {MemberCount} members in {BatchCount} batches")]
    public static partial void KeyDistributionPrepared(ILogger logger, string room, uint epoch, int memberCount, int batchCount);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Warning,
        Message = "SECURITY replay table full ({Capacity} senders inside the window); refusing {Sender}")]
    public static partial void ReplayTableFull(ILogger logger, int capacity, string sender);

    [LoggerMessage(EventId = 4040, Level = LogLevel.Debug,
        Message = "Audit entry {Sequence} appended for {Kind} {MessageId}")]
    public static partial void AuditEntryAppended(ILogger logger, long sequence, string kind, string messageId);

    [LoggerMessage(EventId = 4041, Level = LogLevel.Information,
        Message = "Signature of {Sender} did not verify with the cached certificate; the directory has a newer one (serial {Serial}), using it")]
    public static partial void SignerCertificateRefetched(ILogger logger, string sender, string serial);
}
