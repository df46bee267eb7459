namespace CleverCloud.Identity.Directory;

/// <summary>The checks an address must pass before it becomes an LDAP key.</summary>
public static class BareJid
{
    /// <summary>RFC 7622 §3.1: a JID is at most 3071 bytes; anything longer is not an address.</summary>
    public const int MaximumLength = 3071;

    /// <summary>Why <paramref name="address"/> cannot key a directory entry, or null when it can.</summary>
    public static string? Problem(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return "the address is empty";
        }
        if (address.Contains('/', StringComparison.Ordinal))
        {
            return "the address has a resource part; entries are keyed by the bare JID";
        }
        if (address.Length > MaximumLength)
        {
            return $"the address is longer than {MaximumLength} characters";
        }
        return address.Any(char.IsControl) ? "the address contains control characters" : null;
    }
}
