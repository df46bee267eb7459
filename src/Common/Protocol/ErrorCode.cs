namespace CleverCloud.Protocol;

/// <summary>
/// Numbered error codes carried on the wire (paper Fig. 2: "an error message will be sent specifying an error code").
/// Ranges: 1xx protocol/check failures, 2xx security, 3xx execution, 4xx virtual machines, 5xx cluster.
/// Numbers are part of the wire format: never renumber, only add.
/// </summary>
public enum ErrorCode
{
    None = 0,

    // 1xx: the request could not be checked or was refused before execution.
    MalformedMessage = 100,
    UnsupportedVersion = 101,
    UnknownOperation = 102,
    InvalidArguments = 103,
    OperationUnavailable = 104,
    RequestTimedOut = 105,
    RequestCancelled = 106,
    PayloadTooLarge = 107,

    // 2xx: security (issue "secure messaging").
    NotAuthorized = 200,
    BadSignature = 201,
    UnknownSigner = 202,
    CertificateExpired = 203,
    CertificateRevoked = 204,
    WrongRole = 205,
    Replay = 206,
    StaleTimestamp = 207,
    FutureTimestamp = 208,
    OldKeyEpoch = 209,
    DecryptionFailed = 210,
    TamperedHeader = 211,
    MalformedEnvelope = 212,
    KeyNotFromModerator = 213,
    UntrustedCertificate = 214,
    NoSessionKey = 215,

    // 3xx: the operation ran and failed.
    OperationFailed = 300,
    InternalError = 301,
    Busy = 302,

    // 4xx: virtual machines and the hypervisor.
    NoSuchVm = 400,
    VmExists = 401,
    VmNotRunning = 402,
    VmAlreadyRunning = 403,
    InvalidVmState = 404,
    ImagePathNotAllowed = 405,
    HypervisorError = 406,
    HypervisorUnavailable = 407,
    NoSuchSnapshot = 408,
    MigrationFailed = 409,
    ShutdownTimedOut = 410,
    NoSuchImage = 411,

    // 5xx: cluster state and placement.
    NoSuchHost = 500,
    HostOffline = 501,
    NoCapacity = 502,
    NotFound = 503,
    Conflict = 504,
}
