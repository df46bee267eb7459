using System.Runtime.InteropServices;
using CleverCloud.HostManager.Libvirt.Native;

namespace CleverCloud.HostManager.Libvirt;

/// <summary>
/// One libvirt domain (<c>virDomainPtr</c>). Each method is the native call plus one check; failures throw
/// <see cref="LibvirtException"/> with libvirt's code. Blocking: call from the libvirt workers. Dispose after use.
/// </summary>
public sealed unsafe class LibvirtDomain : IDisposable
{
    internal const int UuidStringBufferLength = 37; // VIR_UUID_STRING_BUFLEN

    private readonly DomainHandle _handle;

    internal LibvirtDomain(DomainHandle handle, LibvirtConnection connection)
    {
        _handle = handle;
        Connection = connection;
        var name = LibvirtNative.virDomainGetName(handle.DangerousGetHandle());
        if (name == 0)
        {
            var error = LibvirtRuntime.CaptureError("virDomainGetName");
            handle.Dispose();
            throw error;
        }
        Name = Marshal.PtrToStringUTF8(name) ?? "";
    }

    public LibvirtConnection Connection { get; }

    public string Name { get; }

    public string GetUuid()
    {
        var buffer = stackalloc byte[UuidStringBufferLength];
        if (LibvirtNative.virDomainGetUUIDString(_handle.DangerousGetHandle(), buffer) < 0)
            throw LibvirtRuntime.CaptureError("virDomainGetUUIDString");
        return Marshal.PtrToStringUTF8((nint)buffer) ?? "";
    }

    public DomainState GetState()
    {
        if (LibvirtNative.virDomainGetState(_handle, out var state, out _, 0) < 0)
            throw LibvirtRuntime.CaptureError("virDomainGetState");
        return (DomainState)state;
    }

    public DomainInfo GetInfo()
    {
        VirDomainInfo info;
        if (LibvirtNative.virDomainGetInfo(_handle, &info) < 0)
            throw LibvirtRuntime.CaptureError("virDomainGetInfo");
        return new DomainInfo((DomainState)info.State, info.MaxMemKiB.Value, info.MemoryKiB.Value, info.VirtualCpuCount,
            info.CpuTimeNanoseconds);
    }

    public bool IsPersistent()
    {
        var persistent = LibvirtNative.virDomainIsPersistent(_handle);
        if (persistent < 0)
            throw LibvirtRuntime.CaptureError("virDomainIsPersistent");
        return persistent == 1;
    }

    public bool GetAutostart()
    {
        if (LibvirtNative.virDomainGetAutostart(_handle, out var autostart) < 0)
            throw LibvirtRuntime.CaptureError("virDomainGetAutostart");
        return autostart != 0;
    }

    /// <param name="inactive">The persistent definition (VIR_DOMAIN_XML_INACTIVE) instead of the live one.</param>
    public string GetXml(bool inactive = false)
    {
        var xml = LibvirtNative.virDomainGetXMLDesc(_handle, inactive ? 2u : 0u);
        if (xml == 0)
            throw LibvirtRuntime.CaptureError("virDomainGetXMLDesc");
        return LibvirtRuntime.TakeString(xml);
    }

    public void Create()
    {
        if (LibvirtNative.virDomainCreate(_handle) < 0)
            throw LibvirtRuntime.CaptureError("virDomainCreate");
    }

    /// <summary>Asks the guest to shut down (ACPI or agent); returns before the guest has stopped.</summary>
    public void Shutdown()
    {
        if (LibvirtNative.virDomainShutdown(_handle) < 0)
            throw LibvirtRuntime.CaptureError("virDomainShutdown");
    }

    /// <summary>Stops the domain at once, like pulling the plug.</summary>
    public void Destroy()
    {
        if (LibvirtNative.virDomainDestroy(_handle) < 0)
            throw LibvirtRuntime.CaptureError("virDomainDestroy");
    }

    public void Reboot()
    {
        if (LibvirtNative.virDomainReboot(_handle, 0) < 0)
            throw LibvirtRuntime.CaptureError("virDomainReboot");
    }

    public void Suspend()
    {
        if (LibvirtNative.virDomainSuspend(_handle) < 0)
            throw LibvirtRuntime.CaptureError("virDomainSuspend");
    }

    public void Resume()
    {
        if (LibvirtNative.virDomainResume(_handle) < 0)
            throw LibvirtRuntime.CaptureError("virDomainResume");
    }

    /// <summary>Writes the domain's memory state to <paramref name="stateFile"/> and stops it.</summary>
    public void Save(string stateFile)
    {
        if (LibvirtNative.virDomainSave(_handle, stateFile) < 0)
            throw LibvirtRuntime.CaptureError("virDomainSave");
    }

    public void Undefine(DomainUndefineFlags flags)
    {
        if (LibvirtNative.virDomainUndefineFlags(_handle, (uint)flags) < 0)
            throw LibvirtRuntime.CaptureError("virDomainUndefineFlags");
    }

    /// <summary><c>virDomainSetMemoryFlags</c>: the current memory allocation, in KiB.</summary>
    public void SetMemory(ulong memoryKiB, DomainModificationImpact impact = DomainModificationImpact.Current)
    {
        if (LibvirtNative.virDomainSetMemoryFlags(_handle, new CULong((nuint)memoryKiB), (uint)impact) < 0)
            throw LibvirtRuntime.CaptureError("virDomainSetMemoryFlags");
    }

    /// <param name="disk">The target name (e.g. <c>vda</c>) or source path of a disk.</param>
    public BlockStats GetBlockStats(string disk)
    {
        VirDomainBlockStats stats;
        if (LibvirtNative.virDomainBlockStats(_handle, disk, &stats, (nuint)sizeof(VirDomainBlockStats)) < 0)
            throw LibvirtRuntime.CaptureError("virDomainBlockStats");
        return new BlockStats(stats.ReadRequests, stats.ReadBytes, stats.WriteRequests, stats.WriteBytes, stats.Errors);
    }

    /// <param name="device">The host-side interface name (e.g. <c>vnet0</c>) or the guest MAC address.</param>
    public InterfaceStats GetInterfaceStats(string device)
    {
        VirDomainInterfaceStats stats;
        if (LibvirtNative.virDomainInterfaceStats(_handle, device, &stats, (nuint)sizeof(VirDomainInterfaceStats)) < 0)
            throw LibvirtRuntime.CaptureError("virDomainInterfaceStats");
        return new InterfaceStats(stats.RxBytes, stats.RxPackets, stats.RxErrors, stats.RxDrops, stats.TxBytes,
            stats.TxPackets, stats.TxErrors, stats.TxDrops);
    }

    /// <summary><c>virDomainMigrate</c>: moves this domain to the host behind <paramref name="destination"/>.</summary>
    /// <returns>The domain on the destination.</returns>
    public LibvirtDomain MigrateTo(LibvirtConnection destination, DomainMigrateFlags flags, ulong bandwidthMiBs = 0)
    {
        var pointer = LibvirtNative.virDomainMigrate(_handle, destination.Handle, new CULong((nuint)(ulong)flags), null, null,
            new CULong((nuint)bandwidthMiBs));
        if (pointer == 0)
            throw LibvirtRuntime.CaptureError("virDomainMigrate");
        return new LibvirtDomain(new DomainHandle(pointer), destination);
    }

    public LibvirtSnapshot CreateSnapshot(string snapshotXml)
    {
        var pointer = LibvirtNative.virDomainSnapshotCreateXML(_handle, snapshotXml, 0);
        if (pointer == 0)
            throw LibvirtRuntime.CaptureError("virDomainSnapshotCreateXML");
        return new LibvirtSnapshot(new SnapshotHandle(pointer), this);
    }

    /// <exception cref="LibvirtException">With <see cref="LibvirtErrorCode.NoDomainSnapshot"/> when there is no such snapshot.</exception>
    public LibvirtSnapshot LookupSnapshot(string name)
    {
        var pointer = LibvirtNative.virDomainSnapshotLookupByName(_handle, name, 0);
        if (pointer == 0)
            throw LibvirtRuntime.CaptureError("virDomainSnapshotLookupByName");
        return new LibvirtSnapshot(new SnapshotHandle(pointer), this);
    }

    /// <summary>All snapshots of this domain. The caller disposes each.</summary>
    public IReadOnlyList<LibvirtSnapshot> ListSnapshots()
    {
        var count = LibvirtNative.virDomainListAllSnapshots(_handle, out var array, 0);
        if (count < 0)
            throw LibvirtRuntime.CaptureError("virDomainListAllSnapshots");
        try
        {
            var snapshots = new List<LibvirtSnapshot>(count);
            var pointers = (nint*)array;
            for (var i = 0; i < count; i++)
                snapshots.Add(new LibvirtSnapshot(new SnapshotHandle(pointers[i]), this));
            return snapshots;
        }
        finally
        {
            LibcNative.free(array);
        }
    }

    public void Dispose() => _handle.Dispose();
}
