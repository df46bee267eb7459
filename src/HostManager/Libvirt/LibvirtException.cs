namespace CleverCloud.HostManager.Libvirt;

/// <summary>
/// A failed libvirt call, carrying libvirt's own error number, the part of libvirt that raised it and its message,
/// captured on the calling thread right after the call (libvirt's last error is thread-local).
/// </summary>
public sealed class LibvirtException : Exception
{
    public LibvirtException(string function, LibvirtErrorCode code, LibvirtErrorDomain domain, string message, bool connectionLost = false)
        : base($"{function}: {message}")
    {
        Function = function;
        Code = code;
        Domain = domain;
        LibvirtMessage = message;
        IsConnectionFailure = connectionLost || IsConnectionCode(code);
    }

    /// <summary>The libvirt entry point that failed, e.g. <c>virDomainCreate</c>.</summary>
    public string Function { get; }

    public LibvirtErrorCode Code { get; }

    public LibvirtErrorDomain Domain { get; }

    /// <summary>libvirt's message without the function prefix.</summary>
    public string LibvirtMessage { get; }

    /// <summary>The hypervisor connection is gone or could not be made: reconnecting may help, retrying the same call won't.</summary>
    public bool IsConnectionFailure { get; }

    /// <summary>Marks a failure as a lost connection (the safe layer learns this after the fact via virConnectIsAlive).</summary>
    public LibvirtException AsConnectionFailure() =>
        IsConnectionFailure ? this : new LibvirtException(Function, Code, Domain, LibvirtMessage, connectionLost: true);

    private static bool IsConnectionCode(LibvirtErrorCode code) => code is
        LibvirtErrorCode.NoConnect or LibvirtErrorCode.InvalidConnection or LibvirtErrorCode.Rpc
        or LibvirtErrorCode.AuthFailed or LibvirtErrorCode.AuthUnavailable or LibvirtErrorCode.NoServer
        or LibvirtErrorCode.UnknownHost;
}
