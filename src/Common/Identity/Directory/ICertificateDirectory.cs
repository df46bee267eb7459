using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Identity.Directory;

/// <summary>
/// Where the cluster's certificates and the CA's CRL are published (paper §IV-A: an LDAP server). The CA writes;
/// every agent reads. Entries are keyed by the entity's bare JID.
/// </summary>
public interface ICertificateDirectory
{
    /// <summary>Creates the entry for <paramref name="bareJid"/> or atomically replaces its certificate and role.</summary>
    /// <exception cref="DirectoryUnavailableException">The directory cannot be reached (transient).</exception>
    /// <exception cref="DirectoryOperationFailedException">The directory refused the change.</exception>
    Task PublishCertificateAsync(string bareJid, AgentRole role, X509Certificate2 certificate, CancellationToken ct);

    /// <summary>Deletes the entry for <paramref name="bareJid"/>; removing an absent entry is not an error.</summary>
    Task RemoveCertificateAsync(string bareJid, CancellationToken ct);

    /// <summary>Replaces the CA's CRL (DER) on the CA entry.</summary>
    Task PublishCrlAsync(byte[] crlDer, CancellationToken ct);

    /// <summary>The certificate published for <paramref name="bareJid"/>, or null when there is none.</summary>
    Task<X509Certificate2?> FindCertificateAsync(string bareJid, CancellationToken ct);

    /// <summary>The CA's current CRL (DER), or null when none was published yet.</summary>
    Task<byte[]?> GetCrlAsync(CancellationToken ct);
}
