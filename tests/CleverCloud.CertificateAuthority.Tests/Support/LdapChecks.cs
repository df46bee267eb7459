using CleverCloud.TestSupport.Ldap;

namespace CleverCloud.CertificateAuthority.Tests.Support;

/// <summary>Reads what the real ldapsearch (ldap-utils) sees in the directory.</summary>
internal static class LdapChecks
{
    /// <summary>The DER value of userCertificate;binary of the agent entry, or null when the entry is absent.</summary>
    public static async Task<byte[]?> PublishedCertificateAsync(SlapdServer slapd, string address)
    {
        var ldif = await slapd.LdapSearchAsync("ou=agents," + slapd.BaseDn, $"(uid={address})", ["userCertificate;binary"]);
        return ReadBinaryAttribute(ldif, "userCertificate;binary");
    }

    public static async Task<byte[]?> PublishedCrlAsync(SlapdServer slapd)
    {
        var ldif = await slapd.LdapSearchAsync("cn=ca," + slapd.BaseDn, "(objectClass=*)", ["certificateRevocationList;binary"]);
        return ReadBinaryAttribute(ldif, "certificateRevocationList;binary");
    }

    private static byte[]? ReadBinaryAttribute(string ldif, string attribute)
    {
        var prefix = attribute + ":: ";
        var line = ldif.Split('\n').Select(text => text.TrimEnd('\r')).FirstOrDefault(text => text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        return line is null ? null : Convert.FromBase64String(line[prefix.Length..]);
    }
}
