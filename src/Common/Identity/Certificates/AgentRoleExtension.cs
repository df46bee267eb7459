using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Certificates;

/// <summary>
/// Writes and reads the CleverCloud role extension (<see cref="CleverOids.AgentRoleExtension"/>): a non-critical
/// extension whose value is a DER UTF8String "cm", "hm" or "admin".
/// </summary>
public static class AgentRoleExtension
{
    public static X509Extension Create(AgentRole role)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.UTF8String, role.ToWire());
        return new X509Extension(CleverOids.AgentRoleExtension, writer.Encode(), critical: false);
    }

    /// <summary>Returns the role in the certificate, or null when the extension is absent or holds an unknown role.</summary>
    public static AgentRole? Read(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[CleverOids.AgentRoleExtension];
        return extension is null ? null : Decode(extension.RawData);
    }

    /// <summary>Decodes the extension value; null when it is not a UTF8String naming a known role.</summary>
    public static AgentRole? Decode(ReadOnlyMemory<byte> extensionValue)
    {
        try
        {
            var reader = new AsnReader(extensionValue, AsnEncodingRules.DER);
            var text = reader.ReadCharacterString(UniversalTagNumber.UTF8String);
            reader.ThrowIfNotEmpty();
            return AgentRoleNames.TryParse(text, out var role) && role.ToWire() == text ? role : null;
        }
        catch (AsnContentException)
        {
            // A malformed extension means "no role": the caller treats the certificate as carrying no authority.
            return null;
        }
    }
}
