namespace CleverCloud.Xmpp.Client;

public enum ConnectionState
{
    Disconnected,
    Connecting,
    Connected,
    Reconnecting,
    /// <summary>Stopped for good: disposed, or a failure retrying cannot fix (wrong password, untrusted server).</summary>
    Faulted,
}

/// <param name="Attempt">Reconnect attempt number (0 for the first connection).</param>
/// <param name="Delay">Wait before the next attempt, when reconnecting.</param>
/// <param name="Error">What ended the previous connection, if anything.</param>
public sealed record ConnectionStateChange(ConnectionState State, int Attempt, TimeSpan? Delay, Exception? Error);
