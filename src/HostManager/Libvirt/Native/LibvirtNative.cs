using System.Runtime.InteropServices;

namespace CleverCloud.HostManager.Libvirt.Native;

/// <summary>
/// Raw libvirt imports, nothing else: no checks, no ownership. The safe layer (<see cref="LibvirtConnection"/>,
/// <see cref="LibvirtDomain"/>, <see cref="LibvirtSnapshot"/>) owns handles and turns failures into exceptions.
/// Signatures follow include/libvirt/*.h of libvirt 9.0; pointers to libvirt objects are plain <c>nint</c> when
/// returned (the safe layer wraps them only after checking for NULL) and SafeHandles when passed.
/// </summary>
internal static unsafe partial class LibvirtNative
{
    private const string Library = "libvirt.so.0";

    // ---- library and errors (virterror.h) ----
    [LibraryImport(Library)]
    internal static partial int virInitialize();

    [LibraryImport(Library)]
    internal static partial int virGetVersion(out ulong libVersion, nint type, nint typeVersion);

    [LibraryImport(Library)]
    internal static partial VirError* virGetLastError();

    [LibraryImport(Library)]
    internal static partial void virResetLastError();

    [LibraryImport(Library)]
    internal static partial void virSetErrorFunc(nint userData, delegate* unmanaged[Cdecl]<nint, VirError*, void> handler);

    // ---- event loop (libvirt-event.h) ----
    [LibraryImport(Library)]
    internal static partial int virEventRegisterDefaultImpl();

    [LibraryImport(Library)]
    internal static partial int virEventRunDefaultImpl();

    // ---- connection (libvirt-host.h) ----
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virConnectOpen(string? name);

    [LibraryImport(Library)]
    internal static partial int virConnectClose(nint conn);

    [LibraryImport(Library)]
    internal static partial int virConnectIsAlive(ConnectionHandle conn);

    [LibraryImport(Library)]
    internal static partial int virConnectSetKeepAlive(ConnectionHandle conn, int interval, uint count);

    [LibraryImport(Library)]
    internal static partial int virConnectGetLibVersion(ConnectionHandle conn, out ulong libVersion);

    [LibraryImport(Library)]
    internal static partial int virConnectGetVersion(ConnectionHandle conn, out ulong hypervisorVersion);

    /// <returns>A static string owned by libvirt: never freed.</returns>
    [LibraryImport(Library)]
    internal static partial nint virConnectGetType(ConnectionHandle conn);

    /// <returns>A string the caller frees with free().</returns>
    [LibraryImport(Library)]
    internal static partial nint virConnectGetHostname(ConnectionHandle conn);

    /// <returns>A string the caller frees with free().</returns>
    [LibraryImport(Library)]
    internal static partial nint virConnectGetURI(ConnectionHandle conn);

    [LibraryImport(Library)]
    internal static partial int virNodeGetInfo(ConnectionHandle conn, VirNodeInfo* info);

    [LibraryImport(Library)]
    internal static partial ulong virNodeGetFreeMemory(ConnectionHandle conn);

    [LibraryImport(Library)]
    internal static partial int virConnectRegisterCloseCallback(
        ConnectionHandle conn, delegate* unmanaged[Cdecl]<nint, int, nint, void> callback, nint opaque,
        delegate* unmanaged[Cdecl]<nint, void> freeCallback);

    [LibraryImport(Library)]
    internal static partial int virConnectUnregisterCloseCallback(
        ConnectionHandle conn, delegate* unmanaged[Cdecl]<nint, int, nint, void> callback);

    [LibraryImport(Library)]
    internal static partial int virConnectDomainEventRegisterAny(
        ConnectionHandle conn, nint domain, int eventId, nint callback, nint opaque,
        delegate* unmanaged[Cdecl]<nint, void> freeCallback);

    [LibraryImport(Library)]
    internal static partial int virConnectDomainEventDeregisterAny(ConnectionHandle conn, int callbackId);

    // ---- domains (libvirt-domain.h) ----
    /// <param name="domains">Receives a malloc'ed array of domain pointers; each is freed with virDomainFree, the array with free().</param>
    [LibraryImport(Library)]
    internal static partial int virConnectListAllDomains(ConnectionHandle conn, out nint domains, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virDomainLookupByName(ConnectionHandle conn, string name);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virDomainLookupByUUIDString(ConnectionHandle conn, string uuid);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virDomainDefineXML(ConnectionHandle conn, string xml);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainRestore(ConnectionHandle conn, string from);

    [LibraryImport(Library)]
    internal static partial int virDomainFree(nint domain);

    [LibraryImport(Library)]
    internal static partial int virDomainUndefineFlags(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainCreate(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainShutdown(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainDestroy(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainReboot(DomainHandle domain, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSuspend(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainResume(DomainHandle domain);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainSave(DomainHandle domain, string to);

    [LibraryImport(Library)]
    internal static partial int virDomainSetMemoryFlags(DomainHandle domain, CULong memoryKiB, uint flags);

    /// <returns>A string owned by the domain object: never freed.</returns>
    [LibraryImport(Library)]
    internal static partial nint virDomainGetName(nint domain);

    [LibraryImport(Library)]
    internal static partial int virDomainGetUUIDString(nint domain, byte* buffer);

    [LibraryImport(Library)]
    internal static partial int virDomainGetInfo(DomainHandle domain, VirDomainInfo* info);

    [LibraryImport(Library)]
    internal static partial int virDomainGetState(DomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainIsPersistent(DomainHandle domain);

    [LibraryImport(Library)]
    internal static partial int virDomainGetAutostart(DomainHandle domain, out int autostart);

    /// <returns>A string the caller frees with free().</returns>
    [LibraryImport(Library)]
    internal static partial nint virDomainGetXMLDesc(DomainHandle domain, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainBlockStats(DomainHandle domain, string disk, VirDomainBlockStats* stats, nuint size);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainInterfaceStats(DomainHandle domain, string device, VirDomainInterfaceStats* stats, nuint size);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virDomainMigrate(
        DomainHandle domain, ConnectionHandle destination, CULong flags, string? destinationName, string? uri, CULong bandwidthMiBs);

    // ---- snapshots (libvirt-domain-snapshot.h) ----
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virDomainSnapshotCreateXML(DomainHandle domain, string xml, uint flags);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint virDomainSnapshotLookupByName(DomainHandle domain, string name, uint flags);

    /// <param name="snapshots">Receives a malloc'ed array; each element is freed with virDomainSnapshotFree, the array with free().</param>
    [LibraryImport(Library)]
    internal static partial int virDomainListAllSnapshots(DomainHandle domain, out nint snapshots, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSnapshotFree(nint snapshot);

    [LibraryImport(Library)]
    internal static partial nint virDomainSnapshotGetName(nint snapshot);

    [LibraryImport(Library)]
    internal static partial int virDomainSnapshotIsCurrent(SnapshotHandle snapshot, uint flags);

    /// <returns>A string the caller frees with free().</returns>
    [LibraryImport(Library)]
    internal static partial nint virDomainSnapshotGetXMLDesc(SnapshotHandle snapshot, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainRevertToSnapshot(SnapshotHandle snapshot, uint flags);

    [LibraryImport(Library)]
    internal static partial int virDomainSnapshotDelete(SnapshotHandle snapshot, uint flags);
}

/// <summary>The leading fields of <c>struct _virError</c> (virterror.h); the rest is never read.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirError
{
    public int Code;
    public int Domain;
    public nint Message;
    public int Level;
}

/// <summary><c>struct _virDomainInfo</c>; <c>unsigned long</c> is <see cref="CULong"/> so the layout follows the platform ABI.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainInfo
{
    public byte State;
    public CULong MaxMemKiB;
    public CULong MemoryKiB;
    public ushort VirtualCpuCount;
    public ulong CpuTimeNanoseconds;
}

/// <summary><c>struct _virNodeInfo</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VirNodeInfo
{
    public fixed byte Model[32];
    public CULong MemoryKiB;
    public uint Cpus;
    public uint Mhz;
    public uint NumaNodes;
    public uint Sockets;
    public uint Cores;
    public uint Threads;
}

/// <summary><c>struct _virDomainBlockStats</c>: -1 in a field means "not supported by the driver".</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainBlockStats
{
    public long ReadRequests;
    public long ReadBytes;
    public long WriteRequests;
    public long WriteBytes;
    public long Errors;
}

/// <summary><c>struct _virDomainInterfaceStats</c>: -1 in a field means "not supported by the driver".</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct VirDomainInterfaceStats
{
    public long RxBytes;
    public long RxPackets;
    public long RxErrors;
    public long RxDrops;
    public long TxBytes;
    public long TxPackets;
    public long TxErrors;
    public long TxDrops;
}
