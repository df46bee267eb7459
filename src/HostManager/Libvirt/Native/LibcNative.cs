using System.Runtime.InteropServices;

namespace CleverCloud.HostManager.Libvirt.Native;

/// <summary>
/// The few C library calls used beside libvirt: free() for strings libvirt hands over, realpath() to resolve image
/// paths exactly as the hypervisor will open them, statvfs() for the image directory's file system.
/// The soname is explicit: "libc.so" is a linker script on Debian, not a loadable library.
/// </summary>
internal static unsafe partial class LibcNative
{
    private const string Library = "libc.so.6";

    [LibraryImport(Library)]
    internal static partial void free(nint pointer);

    /// <returns>A malloc'ed canonical path, or NULL with errno set.</returns>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial nint realpath(string path, nint resolved);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int statvfs(string path, StatVfs* buffer);
}

/// <summary><c>struct statvfs</c> of glibc on 64-bit Linux.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct StatVfs
{
    public CULong BlockSize;
    public CULong FragmentSize;
    public CULong Blocks;
    public CULong BlocksFree;
    public CULong BlocksAvailable;
    public CULong Files;
    public CULong FilesFree;
    public CULong FilesAvailable;
    public CULong FileSystemId;
    public CULong Flags;
    public CULong MaxNameLength;
    public fixed int Spare[6];
}
