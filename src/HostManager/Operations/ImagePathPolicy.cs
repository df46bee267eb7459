using CleverCloud.HostManager.Libvirt;
using CleverCloud.HostManager.Libvirt.Native;
using CleverCloud.Protocol;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// Decides whether a requested disk image may be used: it must resolve, after following every symlink, to an
/// existing regular file inside the configured image directory. The resolved path is what goes into the domain XML,
/// so a symlink swapped later cannot redirect the hypervisor.
/// </summary>
public sealed class ImagePathPolicy
{
    private readonly string _imageDirectory;

    public ImagePathPolicy(IOptions<HostManagerOptions> options)
    {
        _imageDirectory = options.Value.ImageDirectory;
    }

    /// <param name="requested">A path relative to the image directory, or an absolute path inside it.</param>
    /// <returns>The canonical path, or the numbered error explaining the refusal.</returns>
    public (string? Path, ErrorCode Error, string? Reason) Resolve(string requested)
    {
        if (string.IsNullOrWhiteSpace(requested) || requested.Contains('\0', StringComparison.Ordinal))
            return (null, ErrorCode.InvalidArguments, "the disk path is empty or contains a NUL character");
        if (requested.Split('/').Contains(".."))
            return (null, ErrorCode.ImagePathNotAllowed, $"disk path '{VmNames.Printable(requested)}' contains '..'");

        var root = RealPath(_imageDirectory)
            ?? throw new InvalidOperationException($"the image directory '{_imageDirectory}' cannot be resolved");
        var combined = Path.GetFullPath(Path.IsPathRooted(requested) ? requested : Path.Combine(root, requested));
        if (!IsInside(combined, root) && !IsInside(combined, Path.GetFullPath(_imageDirectory)))
            return (null, ErrorCode.ImagePathNotAllowed, $"disk path '{VmNames.Printable(requested)}' is outside the image directory");

        var resolved = RealPath(combined);
        if (resolved is null || !File.Exists(resolved))
            return (null, ErrorCode.NoSuchImage, $"disk image '{VmNames.Printable(requested)}' does not exist");
        if (!IsInside(resolved, root))
            return (null, ErrorCode.ImagePathNotAllowed, $"disk path '{VmNames.Printable(requested)}' leads outside the image directory through a symbolic link");
        return (resolved, ErrorCode.None, null);
    }

    private static bool IsInside(string path, string directory)
    {
        var prefix = directory.EndsWith('/') ? directory : directory + "/";
        return path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length;
    }

    /// <summary>realpath(3): the canonical absolute path with every symlink followed, or null if it does not resolve.</summary>
    internal static string? RealPath(string path)
    {
        var resolved = LibcNative.realpath(path, 0);
        if (resolved == 0)
            return null;
        return LibvirtRuntime.TakeString(resolved);
    }
}
