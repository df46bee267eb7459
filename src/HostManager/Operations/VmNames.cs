using System.Text.RegularExpressions;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// The charset allowed for names that reach libvirt and the file system: VM, snapshot, network and bridge names.
/// Letters, digits, '.', '_' and '-', starting with a letter or digit: no XML specials, no path separators, no "..".
/// </summary>
public static partial class VmNames
{
    public const int MaxNameLength = 64;

    /// <summary>Linux interface names are at most 15 bytes (IFNAMSIZ - 1).</summary>
    public const int MaxBridgeLength = 15;

    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name) && !name.Contains("..", StringComparison.Ordinal);

    public static bool IsValidBridge(string? name) => name is not null && BridgePattern().IsMatch(name);

    /// <returns>null when valid; otherwise why not.</returns>
    public static string? Check(string what, string? name) => IsValidName(name)
        ? null
        : $"{what} '{Printable(name)}' is not allowed: use 1-{MaxNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit";

    /// <summary>Keeps rejected input readable in messages and logs (no control characters, bounded length).</summary>
    public static string Printable(string? text)
    {
        if (text is null)
            return "";
        var shown = new string(text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 80 ? shown + "…" : shown;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$", RegexOptions.CultureInvariant)]
    private static partial Regex BridgePattern();
}
