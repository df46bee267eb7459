using CleverCloud.Protocol;

namespace CleverCloud.Security;

/// <summary>A local sealing request cannot be honoured (no room key yet, payload too large, unusable certificate).</summary>
public sealed class SecureEnvelopeException(ErrorCode code, string message) : Exception(message)
{
    public ErrorCode Code { get; } = code;
}
