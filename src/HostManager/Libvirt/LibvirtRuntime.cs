using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CleverCloud.HostManager.Libvirt.Native;

namespace CleverCloud.HostManager.Libvirt;

/// <summary>
/// Process-wide libvirt set-up, done once before the first connection: initialise the library, replace libvirt's
/// default error reporter (it prints every error to stderr; errors are captured per call instead), and install
/// libvirt's default event loop with one dedicated thread running it. Domain events and keepalive only work on
/// connections opened after the event loop was registered, which is why every open goes through here first.
/// </summary>
public static unsafe class LibvirtRuntime
{
    private static readonly Lock Gate = new();
    private static volatile bool _initialized;
    private static long _eventLoopFailures;

    /// <summary>
    /// Raised when managed code called back from libvirt (an event handler) threw. The exception cannot travel
    /// through libvirt's C frames, so it is handed here; the monitoring layer logs it.
    /// </summary>
    public static event Action<Exception>? CallbackFailed;

    /// <summary>How many times an iteration of the libvirt event loop reported an error (exposed for diagnostics).</summary>
    public static long EventLoopFailures => Interlocked.Read(ref _eventLoopFailures);

    /// <summary>The libvirt library version as major * 1,000,000 + minor * 1,000 + release.</summary>
    public static ulong LibraryVersion
    {
        get
        {
            EnsureInitialized();
            if (LibvirtNative.virGetVersion(out var version, 0, 0) < 0)
                throw CaptureError("virGetVersion");
            return version;
        }
    }

    public static void EnsureInitialized()
    {
        if (_initialized)
            return;
        lock (Gate)
        {
            if (_initialized)
                return;
            if (LibvirtNative.virInitialize() < 0)
                throw CaptureError("virInitialize");
            LibvirtNative.virSetErrorFunc(0, &DiscardDefaultReport);
            if (LibvirtNative.virEventRegisterDefaultImpl() < 0)
                throw CaptureError("virEventRegisterDefaultImpl");
            var loop = new Thread(RunEventLoop) { IsBackground = true, Name = "libvirt-event-loop" };
            loop.Start();
            _initialized = true;
        }
    }

    /// <summary>
    /// Reads and clears the calling thread's last libvirt error. Call it directly after the failing native call, on
    /// the same thread, with nothing in between that could call libvirt.
    /// </summary>
    internal static LibvirtException CaptureError(string function)
    {
        var error = LibvirtNative.virGetLastError();
        var exception = error is null
            ? new LibvirtException(function, LibvirtErrorCode.InternalError, LibvirtErrorDomain.None, "failed without reporting an error")
            : new LibvirtException(function, (LibvirtErrorCode)error->Code, (LibvirtErrorDomain)error->Domain,
                Marshal.PtrToStringUTF8(error->Message) ?? "no message");
        LibvirtNative.virResetLastError();
        return exception;
    }

    /// <summary>Copies a string libvirt allocated for the caller and frees the original.</summary>
    internal static string TakeString(nint pointer)
    {
        try
        {
            return Marshal.PtrToStringUTF8(pointer) ?? "";
        }
        finally
        {
            LibcNative.free(pointer);
        }
    }

    internal static void ReportCallbackFailure(Exception exception)
    {
        var handlers = CallbackFailed;
        if (handlers is null)
        {
            // Nobody listens (a bare binding user): the failure must still be visible somewhere.
            Console.Error.WriteLine($"libvirt callback threw: {exception}");
            return;
        }
        handlers(exception);
    }

    // libvirt's default handler writes every error to stderr; each safe call captures its own error instead.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void DiscardDefaultReport(nint userData, VirError* error)
    {
    }

    private static void RunEventLoop()
    {
        while (true)
        {
            if (LibvirtNative.virEventRunDefaultImpl() < 0)
            {
                Interlocked.Increment(ref _eventLoopFailures);
                LibvirtNative.virResetLastError();
                // A failing iteration returns at once: pause so a persistent fault cannot spin a core.
                Thread.Sleep(100);
            }
        }
    }
}
