using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Security;

/// <summary>The local agent: its bare JID, its certificate with private key, and its certified role.</summary>
public sealed class SecurityIdentity
{
    public SecurityIdentity(string bareJid, X509Certificate2 certificate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bareJid);
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("the agent certificate must carry its private key", nameof(certificate));
        }
        var (address, role) = CertificateIdentity.Read(certificate);
        if (!string.Equals(address, bareJid, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the certificate is issued to '{address}', not to '{bareJid}'", nameof(certificate));
        }
        BareJid = bareJid;
        Certificate = certificate;
        Role = role ?? throw new ArgumentException("the certificate carries no CleverCloud role", nameof(certificate));
    }

    public string BareJid { get; }

    public X509Certificate2 Certificate { get; }

    public AgentRole Role { get; }
}
