using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Certificates;

/// <summary>Reads the CleverCloud identity (XMPP address and role) bound into a certificate at issuance.</summary>
public static class CertificateIdentity
{
    /// <summary>
    /// Returns the single id-on-xmppAddr SAN value (null when absent, ambiguous or malformed) and the role extension
    /// (null when absent or unknown). The subject CN is deliberately ignored: only the SAN is authoritative.
    /// </summary>
    public static (string? XmppAddress, AgentRole? Role) Read(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        string? address;
        try
        {
            var addresses = XmppAddressName.ReadAll(certificate);
            address = addresses.Count == 1 ? addresses[0] : null;
        }
        catch (AsnContentException)
        {
            address = null;
        }
        return (address, AgentRoleExtension.Read(certificate));
    }

    /// <summary>Adds the SAN id-on-xmppAddr and the role extension to a request about to be signed.</summary>
    public static void AddTo(CertificateRequest request, string xmppAddress, AgentRole role)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.CertificateExtensions.Add(XmppAddressName.CreateSubjectAltName(xmppAddress));
        request.CertificateExtensions.Add(AgentRoleExtension.Create(role));
    }
}
