using Microsoft.Win32.SafeHandles;

namespace CleverCloud.HostManager.Libvirt.Native;

/// <summary>Owns one reference to a <c>virConnectPtr</c>; releasing it calls virConnectClose.</summary>
internal sealed class ConnectionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ConnectionHandle() : base(ownsHandle: true) { }

    internal ConnectionHandle(nint pointer) : base(ownsHandle: true) => SetHandle(pointer);

    // virConnectClose returns the remaining reference count (>= 0) or -1; a release can't be retried either way.
    protected override bool ReleaseHandle() => LibvirtNative.virConnectClose(handle) >= 0;
}

/// <summary>Owns one reference to a <c>virDomainPtr</c>; releasing it calls virDomainFree.</summary>
internal sealed class DomainHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DomainHandle() : base(ownsHandle: true) { }

    internal DomainHandle(nint pointer) : base(ownsHandle: true) => SetHandle(pointer);

    protected override bool ReleaseHandle() => LibvirtNative.virDomainFree(handle) == 0;
}

/// <summary>Owns one reference to a <c>virDomainSnapshotPtr</c>; releasing it calls virDomainSnapshotFree.</summary>
internal sealed class SnapshotHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SnapshotHandle() : base(ownsHandle: true) { }

    internal SnapshotHandle(nint pointer) : base(ownsHandle: true) => SetHandle(pointer);

    protected override bool ReleaseHandle() => LibvirtNative.virDomainSnapshotFree(handle) == 0;
}
