using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Identity.Certificates;

/// <summary>
/// Writes and reads the id-on-xmppAddr subjectAltName entry of RFC 6120 §13.7.1.4:
/// <c>OtherName { type-id 1.3.6.1.5.5.7.8.5, value [0] EXPLICIT UTF8String }</c>.
/// </summary>
public static class XmppAddressName
{
    /// <summary>OID of the subjectAltName extension.</summary>
    public const string SubjectAltNameOid = "2.5.29.17";

    private static readonly Asn1Tag OtherNameTag = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag ExplicitValueTag = new(TagClass.ContextSpecific, 0, isConstructed: true);

    /// <summary>Builds a (non-critical) subjectAltName extension holding only the given bare JID.</summary>
    public static X509Extension CreateSubjectAltName(string xmppAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(xmppAddress);
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            WriteOtherName(writer, xmppAddress);
        }
        return new X509Extension(SubjectAltNameOid, writer.Encode(), critical: false);
    }

    /// <summary>Returns every id-on-xmppAddr value in the certificate's subjectAltName (usually exactly one).</summary>
    public static IReadOnlyList<string> ReadAll(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == SubjectAltNameOid)
            {
                return ReadFromSubjectAltName(extension.RawData);
            }
        }
        return [];
    }

    /// <summary>Parses a DER subjectAltName value (GeneralNames) and returns its id-on-xmppAddr values.</summary>
    /// <exception cref="AsnContentException">The extension value is not valid DER GeneralNames.</exception>
    public static IReadOnlyList<string> ReadFromSubjectAltName(ReadOnlyMemory<byte> generalNamesDer)
    {
        var addresses = new List<string>();
        var reader = new AsnReader(generalNamesDer, AsnEncodingRules.DER);
        var names = reader.ReadSequence();
        reader.ThrowIfNotEmpty();
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.HasSameClassAndValue(OtherNameTag))
            {
                var otherName = names.ReadSequence(OtherNameTag);
                var typeId = otherName.ReadObjectIdentifier();
                var explicitValue = otherName.ReadSequence(ExplicitValueTag);
                if (typeId == CleverOids.XmppAddr)
                {
                    addresses.Add(explicitValue.ReadCharacterString(UniversalTagNumber.UTF8String));
                }
            }
            else
            {
                names.ReadEncodedValue();
            }
        }
        return addresses;
    }

    private static void WriteOtherName(AsnWriter writer, string xmppAddress)
    {
        using (writer.PushSequence(OtherNameTag))
        {
            writer.WriteObjectIdentifier(CleverOids.XmppAddr);
            using (writer.PushSequence(ExplicitValueTag))
            {
                writer.WriteCharacterString(UniversalTagNumber.UTF8String, xmppAddress);
            }
        }
    }
}
