namespace CleverCloud.HostManager.Libvirt;

/// <summary>
/// libvirt's <c>virErrorNumber</c> (virterror.h), the values this agent maps or names in logs. The numbers are
/// libvirt's ABI; codes not listed here still arrive intact as their integer value.
/// </summary>
public enum LibvirtErrorCode
{
    Ok = 0,
    InternalError = 1,
    NoMemory = 2,
    NoSupport = 3,
    UnknownHost = 4,
    NoConnect = 5,
    InvalidConnection = 6,
    InvalidDomain = 7,
    InvalidArgument = 8,
    OperationFailed = 9,
    XmlError = 27,
    DomainExists = 28,
    OperationDenied = 29,
    OpenFailed = 30,
    ReadFailed = 31,
    WriteFailed = 34,
    XmlDetail = 35,
    SystemError = 38,
    Rpc = 39,
    NoDomain = 42,
    NoNetwork = 43,
    AuthFailed = 45,
    OperationInvalid = 55,
    ConfigUnsupported = 67,
    OperationTimeout = 68,
    MigratePersistFailed = 69,
    InvalidDomainSnapshot = 71,
    NoDomainSnapshot = 72,
    ArgumentUnsupported = 74,
    SnapshotRevertRisky = 77,
    OperationAborted = 78,
    MigrateUnsafe = 81,
    OperationUnsupported = 84,
    AgentUnresponsive = 86,
    ResourceBusy = 87,
    AccessDenied = 88,
    CpuIncompatible = 91,
    XmlInvalidSchema = 92,
    AuthUnavailable = 94,
    NoServer = 95,
    NoClient = 96,
}

/// <summary>libvirt's <c>virErrorDomain</c>: which part of libvirt raised an error (the subset named in logs and checks).</summary>
public enum LibvirtErrorDomain
{
    None = 0,
    Xml = 5,
    Dom = 6,
    Rpc = 7,
    Conf = 9,
    Qemu = 10,
    Test = 12,
    Remote = 13,
    Domain = 20,
    Security = 24,
    DomainSnapshot = 35,
    Event = 40,
}
