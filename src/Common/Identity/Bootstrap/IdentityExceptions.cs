namespace CleverCloud.Identity.Bootstrap;

public enum IdentityFailure
{
    /// <summary>The keystore holds a certificate for another XMPP address than the configured one.</summary>
    AddressMismatch,

    /// <summary>The keystore or issued certificate carries another role than the configured one.</summary>
    RoleMismatch,

    /// <summary>The certificate does not chain to the configured cluster CA (or lacks the address/role).</summary>
    Untrusted,

    /// <summary>The certificate expired and no challenge is configured to enroll again.</summary>
    Expired,

    /// <summary>Enrollment is needed but the configuration lacks what it takes (SCEP URL, challenge).</summary>
    NotConfigured,
}

/// <summary>The agent cannot establish its own identity; <see cref="Failure"/> says why.</summary>
public sealed class IdentityBootstrapException : Exception
{
    public IdentityBootstrapException(IdentityFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    public IdentityFailure Failure { get; }

    /// <summary>None of these go away by waiting: configuration or the keystore must change.</summary>
    public bool IsTransient => false;
}

/// <summary>The CA did not issue a certificate (unreachable, pending too long, rejected).</summary>
public sealed class EnrollmentException : Exception
{
    public EnrollmentException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    public bool IsTransient { get; }
}
