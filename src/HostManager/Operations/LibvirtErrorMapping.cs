using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;

namespace CleverCloud.HostManager.Operations;

/// <summary>Maps libvirt's error numbers to the wire's numbered errors.</summary>
public static class LibvirtErrorMapping
{
    /// <param name="invalidStateCode">
    /// What VIR_ERR_OPERATION_INVALID ("not applicable at this time") means for the calling operation, e.g.
    /// <see cref="ErrorCode.VmAlreadyRunning"/> for a start.
    /// </param>
    public static ErrorCode ToErrorCode(LibvirtException exception, ErrorCode invalidStateCode = ErrorCode.InvalidVmState)
    {
        if (exception.IsConnectionFailure)
            return ErrorCode.HypervisorUnavailable;
        return exception.Code switch
        {
            LibvirtErrorCode.NoDomain => ErrorCode.NoSuchVm,
            LibvirtErrorCode.DomainExists => ErrorCode.VmExists,
            LibvirtErrorCode.NoDomainSnapshot => ErrorCode.NoSuchSnapshot,
            LibvirtErrorCode.OperationInvalid => invalidStateCode,
            LibvirtErrorCode.NoSupport or LibvirtErrorCode.OperationUnsupported or LibvirtErrorCode.ArgumentUnsupported
                => ErrorCode.OperationUnavailable,
            LibvirtErrorCode.MigratePersistFailed or LibvirtErrorCode.MigrateUnsafe or LibvirtErrorCode.CpuIncompatible
                => ErrorCode.MigrationFailed,
            LibvirtErrorCode.ResourceBusy => ErrorCode.Busy,
            LibvirtErrorCode.OperationDenied or LibvirtErrorCode.AccessDenied => ErrorCode.NotAuthorized,
            _ => ErrorCode.HypervisorError,
        };
    }
}
