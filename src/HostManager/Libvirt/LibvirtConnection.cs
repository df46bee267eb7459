using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CleverCloud.HostManager.Libvirt.Native;

namespace CleverCloud.HostManager.Libvirt;

/// <summary>
/// One libvirt connection (<c>virConnectPtr</c>). Every method is the native call plus one check that turns a failure
/// into a <see cref="LibvirtException"/> captured on the calling thread. Calls block: run them on the libvirt workers
/// (<see cref="HypervisorConnection.RunAsync{T}"/>), never on the async loop. Thread-safe as libvirt connections are.
/// </summary>
public sealed unsafe class LibvirtConnection : IDisposable
{
    private const int LifecycleEventId = 0; // VIR_DOMAIN_EVENT_ID_LIFECYCLE

    private readonly ConnectionHandle _handle;
    private readonly Lock _callbacksGate = new();
    private readonly List<int> _eventCallbackIds = [];
    private bool _closeCallbackRegistered;

    private LibvirtConnection(ConnectionHandle handle, string uri)
    {
        _handle = handle;
        Uri = uri;
    }

    /// <summary>The URI this connection was opened with.</summary>
    public string Uri { get; }

    public bool IsClosed => _handle.IsClosed;

    /// <summary>Opens a read-write connection (<c>virConnectOpen</c>). Failures are connection failures.</summary>
    public static LibvirtConnection Open(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        LibvirtRuntime.EnsureInitialized();
        var pointer = LibvirtNative.virConnectOpen(uri);
        if (pointer == 0)
            throw LibvirtRuntime.CaptureError("virConnectOpen").AsConnectionFailure();
        return new LibvirtConnection(new ConnectionHandle(pointer), uri);
    }

    internal ConnectionHandle Handle => _handle.IsClosed
        ? throw new LibvirtException("virConnect", LibvirtErrorCode.InvalidConnection, LibvirtErrorDomain.None,
            "the hypervisor connection is closed", connectionLost: true)
        : _handle;

    /// <summary><c>virConnectIsAlive</c>: false when the connection is closed or its transport died.</summary>
    public bool IsAlive()
    {
        if (_handle.IsClosed)
            return false;
        var alive = LibvirtNative.virConnectIsAlive(_handle);
        if (alive < 0)
        {
            LibvirtNative.virResetLastError();
            return false;
        }
        return alive == 1;
    }

    /// <summary>Starts keepalive probes on remote connections.</summary>
    /// <returns>false when the driver has no keepalive (local drivers such as test:// and qemu:///embed).</returns>
    public bool SetKeepAlive(int intervalSeconds, uint count)
    {
        var result = LibvirtNative.virConnectSetKeepAlive(Handle, intervalSeconds, count);
        if (result < 0)
        {
            // Drivers without keepalive answer either 1 or VIR_ERR_NO_SUPPORT, depending on the driver.
            var error = LibvirtRuntime.CaptureError("virConnectSetKeepAlive");
            return error.Code == LibvirtErrorCode.NoSupport ? false : throw error;
        }
        return result == 0;
    }

    public ulong GetLibraryVersion()
    {
        if (LibvirtNative.virConnectGetLibVersion(Handle, out var version) < 0)
            throw LibvirtRuntime.CaptureError("virConnectGetLibVersion");
        return version;
    }

    /// <summary>The hypervisor's version (major * 1,000,000 + minor * 1,000 + release); 0 when the driver does not know it.</summary>
    public ulong GetHypervisorVersion()
    {
        if (LibvirtNative.virConnectGetVersion(Handle, out var version) < 0)
            throw LibvirtRuntime.CaptureError("virConnectGetVersion");
        return version;
    }

    /// <summary>The driver name, e.g. "QEMU" or "TEST".</summary>
    public string GetHypervisorType()
    {
        var type = LibvirtNative.virConnectGetType(Handle);
        if (type == 0)
            throw LibvirtRuntime.CaptureError("virConnectGetType");
        return Marshal.PtrToStringUTF8(type) ?? "";
    }

    public string GetHostname()
    {
        var hostname = LibvirtNative.virConnectGetHostname(Handle);
        if (hostname == 0)
            throw LibvirtRuntime.CaptureError("virConnectGetHostname");
        return LibvirtRuntime.TakeString(hostname);
    }

    public NodeInfo GetNodeInfo()
    {
        VirNodeInfo info;
        if (LibvirtNative.virNodeGetInfo(Handle, &info) < 0)
            throw LibvirtRuntime.CaptureError("virNodeGetInfo");
        var model = Marshal.PtrToStringUTF8((nint)info.Model) ?? "";
        if (model.Length > 32)
            model = model[..32]; // libvirt does not always terminate a full 32-byte model name
        return new NodeInfo(model, info.MemoryKiB.Value, (int)info.Cpus, (int)info.Mhz, (int)info.NumaNodes,
            (int)info.Sockets, (int)info.Cores, (int)info.Threads);
    }

    /// <summary>
    /// <c>virNodeGetFreeMemory</c>: free host memory in bytes as the hypervisor sees it, or null when the driver cannot
    /// tell. libvirt returns 0 for both "unknown" and failure (e.g. the test driver without NUMA cells), so 0 is never
    /// a measurement; a dead connection still throws.
    /// </summary>
    public ulong? TryGetFreeMemoryBytes()
    {
        var free = LibvirtNative.virNodeGetFreeMemory(Handle);
        if (free != 0)
            return free;
        var error = LibvirtRuntime.CaptureError("virNodeGetFreeMemory");
        return error.IsConnectionFailure ? throw error : null;
    }

    /// <summary>All domains, active and inactive. The caller disposes each.</summary>
    public IReadOnlyList<LibvirtDomain> ListAllDomains()
    {
        var count = LibvirtNative.virConnectListAllDomains(Handle, out var array, 0);
        if (count < 0)
            throw LibvirtRuntime.CaptureError("virConnectListAllDomains");
        try
        {
            var domains = new List<LibvirtDomain>(count);
            var pointers = (nint*)array;
            for (var i = 0; i < count; i++)
                domains.Add(new LibvirtDomain(new DomainHandle(pointers[i]), this));
            return domains;
        }
        finally
        {
            LibcNative.free(array);
        }
    }

    /// <exception cref="LibvirtException">With <see cref="LibvirtErrorCode.NoDomain"/> when no domain has that name.</exception>
    public LibvirtDomain LookupDomain(string name)
    {
        var pointer = LibvirtNative.virDomainLookupByName(Handle, name);
        if (pointer == 0)
            throw LibvirtRuntime.CaptureError("virDomainLookupByName");
        return new LibvirtDomain(new DomainHandle(pointer), this);
    }

    /// <returns>null when no domain has that name; other failures throw.</returns>
    public LibvirtDomain? TryLookupDomain(string name)
    {
        var pointer = LibvirtNative.virDomainLookupByName(Handle, name);
        if (pointer != 0)
            return new LibvirtDomain(new DomainHandle(pointer), this);
        var error = LibvirtRuntime.CaptureError("virDomainLookupByName");
        return error.Code == LibvirtErrorCode.NoDomain ? null : throw error;
    }

    public LibvirtDomain LookupDomainByUuid(string uuid)
    {
        var pointer = LibvirtNative.virDomainLookupByUUIDString(Handle, uuid);
        if (pointer == 0)
            throw LibvirtRuntime.CaptureError("virDomainLookupByUUIDString");
        return new LibvirtDomain(new DomainHandle(pointer), this);
    }

    /// <summary><c>virDomainDefineXML</c>: defines (or redefines) a persistent domain.</summary>
    public LibvirtDomain DefineDomain(string xml)
    {
        var pointer = LibvirtNative.virDomainDefineXML(Handle, xml);
        if (pointer == 0)
            throw LibvirtRuntime.CaptureError("virDomainDefineXML");
        return new LibvirtDomain(new DomainHandle(pointer), this);
    }

    /// <summary><c>virDomainRestore</c>: starts a domain from a state file written by <see cref="LibvirtDomain.Save"/>.</summary>
    public void RestoreDomain(string stateFile)
    {
        if (LibvirtNative.virDomainRestore(Handle, stateFile) < 0)
            throw LibvirtRuntime.CaptureError("virDomainRestore");
    }

    /// <summary>
    /// Registers for lifecycle events of every domain. The handler runs on libvirt's event-loop thread: keep it short.
    /// Registrations end when this connection is disposed.
    /// </summary>
    public int SubscribeLifecycleEvents(DomainLifecycleHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var opaque = GCHandle.ToIntPtr(GCHandle.Alloc(handler));
        delegate* unmanaged[Cdecl]<nint, nint, int, int, nint, int> callback = &OnLifecycleEvent;
        var id = LibvirtNative.virConnectDomainEventRegisterAny(Handle, 0, LifecycleEventId, (nint)callback, opaque, &FreeCallbackState);
        if (id < 0)
        {
            // Not freed on purpose: libvirt does not promise whether the free callback ran on this failure path, and
            // a double free would crash the process; a handle leaked on a rare failure is the safe side.
            throw LibvirtRuntime.CaptureError("virConnectDomainEventRegisterAny");
        }
        lock (_callbacksGate)
            _eventCallbackIds.Add(id);
        return id;
    }

    public void UnsubscribeEvents(int callbackId)
    {
        if (LibvirtNative.virConnectDomainEventDeregisterAny(Handle, callbackId) < 0)
            throw LibvirtRuntime.CaptureError("virConnectDomainEventDeregisterAny");
        lock (_callbacksGate)
            _eventCallbackIds.Remove(callbackId);
    }

    /// <summary>
    /// Asks to be told when the connection closes underneath (remote transport error, end of file, keepalive
    /// timeout). Local drivers accept the registration and never call it. One handler per connection.
    /// </summary>
    public void RegisterCloseCallback(Action<ConnectionCloseReason> onClosed)
    {
        ArgumentNullException.ThrowIfNull(onClosed);
        var opaque = GCHandle.ToIntPtr(GCHandle.Alloc(onClosed));
        if (LibvirtNative.virConnectRegisterCloseCallback(Handle, &OnConnectionClosed, opaque, &FreeCallbackState) < 0)
            throw LibvirtRuntime.CaptureError("virConnectRegisterCloseCallback"); // see SubscribeLifecycleEvents on the handle
        lock (_callbacksGate)
            _closeCallbackRegistered = true;
    }

    /// <summary>Deregisters callbacks (they hold references that would keep the connection open), then closes it.</summary>
    public void Dispose()
    {
        if (_handle.IsClosed)
            return;
        int[] ids;
        bool closeCallback;
        lock (_callbacksGate)
        {
            ids = [.. _eventCallbackIds];
            _eventCallbackIds.Clear();
            closeCallback = _closeCallbackRegistered;
            _closeCallbackRegistered = false;
        }
        // Results ignored deliberately: on a dead transport these fail, and the close below releases everything anyway.
        foreach (var id in ids)
        {
            if (LibvirtNative.virConnectDomainEventDeregisterAny(_handle, id) < 0)
                LibvirtNative.virResetLastError();
        }
        if (closeCallback && LibvirtNative.virConnectUnregisterCloseCallback(_handle, &OnConnectionClosed) < 0)
            LibvirtNative.virResetLastError();
        _handle.Dispose();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnLifecycleEvent(nint connection, nint domain, int eventType, int detail, nint opaque)
    {
        try
        {
            var name = Marshal.PtrToStringUTF8(LibvirtNative.virDomainGetName(domain)) ?? "";
            var uuidBuffer = stackalloc byte[LibvirtDomain.UuidStringBufferLength];
            var uuid = LibvirtNative.virDomainGetUUIDString(domain, uuidBuffer) == 0
                ? Marshal.PtrToStringUTF8((nint)uuidBuffer) ?? ""
                : "";
            var handler = (DomainLifecycleHandler)GCHandle.FromIntPtr(opaque).Target!;
            handler(name, uuid, (DomainLifecycleEventType)eventType, detail);
        }
        catch (Exception exception)
        {
            // An exception must not unwind into libvirt's C frames (that aborts the process): hand it over instead.
            LibvirtRuntime.ReportCallbackFailure(exception);
        }
        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnectionClosed(nint connection, int reason, nint opaque)
    {
        try
        {
            var handler = (Action<ConnectionCloseReason>)GCHandle.FromIntPtr(opaque).Target!;
            handler((ConnectionCloseReason)reason);
        }
        catch (Exception exception)
        {
            LibvirtRuntime.ReportCallbackFailure(exception);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void FreeCallbackState(nint opaque) => GCHandle.FromIntPtr(opaque).Free();
}
