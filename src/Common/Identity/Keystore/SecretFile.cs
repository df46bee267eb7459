using System.Globalization;
using System.Text;

namespace CleverCloud.Identity.Keystore;

/// <summary>A password file was refused: missing, unreadable, empty, or readable by group/others.</summary>
public sealed class SecretFileException : Exception
{
    public SecretFileException(string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
    }

    public string Path { get; }
}

/// <summary>
/// Reads a secret (keystore or bind password, SCEP challenge) from a file that only its owner may read. Like ssh with
/// a private key, a file any other user can read is refused instead of used: the secret must be assumed leaked.
/// </summary>
public static class SecretFile
{
    private const UnixFileMode GroupOrOthers =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Returns the file's first line (trailing CR/LF removed).</summary>
    /// <exception cref="SecretFileException">The file is missing, empty, or its mode grants access to group or others.</exception>
    public static string Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            throw new SecretFileException(path, $"The secret file '{path}' does not exist.");
        }
        CheckMode(path);
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new SecretFileException(path, $"The secret file '{path}' cannot be read: {exception.Message}", exception);
        }
        var firstLine = text.Split('\n', 2)[0].TrimEnd('\r');
        return firstLine.Length > 0
            ? firstLine
            : throw new SecretFileException(path, $"The secret file '{path}' is empty.");
    }

    /// <summary>Throws unless the file is accessible by its owner only (e.g. 0600 or 0400).</summary>
    public static void CheckMode(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // No POSIX modes there; ACLs are the operator's job. The agents run on Linux.
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOthers) != 0)
        {
            throw new SecretFileException(path,
                $"The secret file '{path}' has mode {Octal(mode)}, readable or writable by group or others; run 'chmod 600 {path}'.");
        }
    }

    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode, 8).PadLeft(3, '0').ToString(CultureInfo.InvariantCulture);
}
