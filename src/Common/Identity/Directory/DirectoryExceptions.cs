namespace CleverCloud.Identity.Directory;

/// <summary>
/// A certificate-directory operation failed. <see cref="IsTransient"/> says whether the same call can succeed later
/// without anyone changing anything (server down, timeout, busy).
/// </summary>
public abstract class DirectoryException : Exception
{
    protected DirectoryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public abstract bool IsTransient { get; }
}

/// <summary>The directory server cannot be reached or did not answer in time.</summary>
public sealed class DirectoryUnavailableException : DirectoryException
{
    public DirectoryUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public override bool IsTransient => true;
}

/// <summary>The server answered with an LDAP result code other than success.</summary>
public sealed class DirectoryOperationFailedException : DirectoryException
{
    public DirectoryOperationFailedException(string message, int resultCode, Exception? innerException)
        : base(message, innerException)
    {
        ResultCode = resultCode;
    }

    /// <summary>
    /// The LDAP result code (RFC 4511 §4.1.9), e.g. 49 invalidCredentials, 50 insufficientAccessRights. An int rather
    /// than <see cref="System.DirectoryServices.Protocols.ResultCode"/>, which has no member for several codes (49 among them).
    /// </summary>
    public int ResultCode { get; }

    /// <summary>busy (51) and unavailable (52) are the server saying "try again later"; everything else needs a change.</summary>
    public override bool IsTransient => ResultCode is (int)System.DirectoryServices.Protocols.ResultCode.Busy or (int)System.DirectoryServices.Protocols.ResultCode.Unavailable;
}

/// <summary>The TLS session (StartTLS or ldaps) could not be established, e.g. the server certificate is not trusted.</summary>
public sealed class DirectoryTlsException : DirectoryException
{
    public DirectoryTlsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public override bool IsTransient => false;
}

/// <summary>An entry exists but its content is unusable (certificate not DER, two entries for one address).</summary>
public sealed class DirectoryDataException : DirectoryException
{
    public DirectoryDataException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public override bool IsTransient => false;
}
