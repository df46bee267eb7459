namespace CleverCloud.Identity.Keystore;

/// <summary>
/// Replaces a file so that readers (and a crash) see either the old or the new content, never a mix: the new content
/// goes to a temporary file in the same directory (mode 0600 from creation), is flushed to disk, then renamed over
/// the target (rename(2) is atomic within one file system).
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        var copy = content.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Writes through <paramref name="writeContent"/>; if it or anything after it fails, the target is untouched
    /// and the temporary file is removed.</summary>
    public static void Write(string path, Action<Stream> writeContent)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(writeContent);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var streamOptions = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
        };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using (var stream = new FileStream(temporary, streamOptions))
            {
                writeContent(stream);
                // fsync before the rename: otherwise a crash could leave the renamed name pointing at empty blocks.
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            // Not a swallow: the half-written temporary file is removed and the failure propagates.
            TryDelete(temporary);
            throw;
        }
    }

    private static void TryDelete(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (IOException)
        {
            // The original failure is the one worth reporting; a leftover .tmp file is harmless and visible.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as above.
        }
    }
}
