using System.Runtime.InteropServices;
using CleverCloud.HostManager.Libvirt.Native;

namespace CleverCloud.HostManager.Libvirt;

/// <summary>One domain snapshot (<c>virDomainSnapshotPtr</c>). Blocking calls; dispose after use.</summary>
public sealed class LibvirtSnapshot : IDisposable
{
    private readonly SnapshotHandle _handle;

    internal LibvirtSnapshot(SnapshotHandle handle, LibvirtDomain domain)
    {
        _handle = handle;
        Domain = domain;
        var name = LibvirtNative.virDomainSnapshotGetName(handle.DangerousGetHandle());
        if (name == 0)
        {
            var error = LibvirtRuntime.CaptureError("virDomainSnapshotGetName");
            handle.Dispose();
            throw error;
        }
        Name = Marshal.PtrToStringUTF8(name) ?? "";
    }

    public LibvirtDomain Domain { get; }

    public string Name { get; }

    public bool IsCurrent()
    {
        var current = LibvirtNative.virDomainSnapshotIsCurrent(_handle, 0);
        if (current < 0)
            throw LibvirtRuntime.CaptureError("virDomainSnapshotIsCurrent");
        return current == 1;
    }

    public string GetXml()
    {
        var xml = LibvirtNative.virDomainSnapshotGetXMLDesc(_handle, 0);
        if (xml == 0)
            throw LibvirtRuntime.CaptureError("virDomainSnapshotGetXMLDesc");
        return LibvirtRuntime.TakeString(xml);
    }

    /// <summary>Returns the domain to this snapshot's state.</summary>
    public void Revert()
    {
        if (LibvirtNative.virDomainRevertToSnapshot(_handle, 0) < 0)
            throw LibvirtRuntime.CaptureError("virDomainRevertToSnapshot");
    }

    /// <summary>Deletes this snapshot (its children are re-parented).</summary>
    public void Delete()
    {
        if (LibvirtNative.virDomainSnapshotDelete(_handle, 0) < 0)
            throw LibvirtRuntime.CaptureError("virDomainSnapshotDelete");
    }

    public void Dispose() => _handle.Dispose();
}
