using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.CertificateAuthority.Tests.Support;

internal static class CertificateChecks
{
    /// <summary>Builds the chain with the CA as the only trusted root; returns the chain status text ("" when valid).</summary>
    public static string ChainProblems(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate)
            ? ""
            : string.Join("; ", chain.ChainStatus.Select(status => $"{status.Status}: {status.StatusInformation}"));
    }

    /// <summary>The serial numbers (upper-case hex) listed in a DER CRL (RFC 5280 §5.1 TBSCertList).</summary>
    public static IReadOnlyList<string> RevokedSerials(byte[] crlDer)
    {
        var tbs = new AsnReader(crlDer, AsnEncodingRules.DER).ReadSequence().ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger();
        }
        tbs.ReadSequence();
        tbs.ReadSequence();
        ReadTime(tbs);
        if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
        {
            ReadTime(tbs);
        }
        var serials = new List<string>();
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var revoked = tbs.ReadSequence();
            while (revoked.HasData)
            {
                var entry = revoked.ReadSequence();
                serials.Add(Convert.ToHexString(entry.ReadIntegerBytes().Span));
            }
        }
        return serials;
    }

    private static void ReadTime(AsnReader reader)
    {
        if (reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            reader.ReadUtcTime();
        }
        else
        {
            reader.ReadGeneralizedTime();
        }
    }
}
