namespace CleverCloud.Xmpp.Core;

/// <summary>The peer closed the stream with a stream error (RFC 6120 §4.9.3).</summary>
public sealed class StreamErrorException : XmppException
{
    public StreamErrorException(StreamErrorCondition condition, string? text = null, string? alternateHost = null)
        : base(Describe(condition, text, alternateHost), IsTransientCondition(condition))
    {
        Condition = condition;
        Text = text;
        AlternateHost = alternateHost;
    }

    public StreamErrorCondition Condition { get; }
    public string? Text { get; }

    /// <summary>Where to reconnect for see-other-host.</summary>
    public string? AlternateHost { get; }

    /// <summary>
    /// Conditions about the server's or network's momentary state, after which reconnecting can work. Conflict is not
    /// among them: it means another session took our resource, and reconnecting blindly would fight it forever.
    /// </summary>
    public static bool IsTransientCondition(StreamErrorCondition condition) => condition is
        StreamErrorCondition.ConnectionTimeout or StreamErrorCondition.InternalServerError
        or StreamErrorCondition.RemoteConnectionFailed or StreamErrorCondition.Reset
        or StreamErrorCondition.ResourceConstraint or StreamErrorCondition.SeeOtherHost
        or StreamErrorCondition.SystemShutdown;

    private static string Describe(StreamErrorCondition condition, string? text, string? alternateHost)
    {
        var name = StreamError.ConditionNames.ToName(condition);
        var host = alternateHost is null ? string.Empty : $" (reconnect to {alternateHost})";
        var why = string.IsNullOrEmpty(text) ? string.Empty : $": {text}";
        return $"the server closed the stream with <{name}/>{host}{why}";
    }
}
