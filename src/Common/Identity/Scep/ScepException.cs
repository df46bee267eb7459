namespace CleverCloud.Identity.Scep;

/// <summary>
/// An enrollment or renewal did not produce a certificate. <see cref="FailInfo"/> is the CA's SCEP failInfo when it
/// rejected the request; <see cref="IsTransient"/> says whether retrying later can succeed (CA unreachable, still
/// pending after the wait, server error).
/// </summary>
public sealed class ScepException : Exception
{
    public ScepException(string message, ScepFailInfo? failInfo, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        FailInfo = failInfo;
        IsTransient = isTransient;
    }

    public ScepFailInfo? FailInfo { get; }

    public bool IsTransient { get; }
}
