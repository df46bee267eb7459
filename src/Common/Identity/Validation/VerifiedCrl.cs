using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace CleverCloud.Identity.Validation;

/// <summary>The CRL was refused: not DER, not issued or not signed by the cluster CA, or out of date.</summary>
public sealed class CrlRejectedException : Exception
{
    public CrlRejectedException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A CRL whose signature was verified with the cluster CA's key. .NET can build CRLs
/// (CertificateRevocationListBuilder) but exposes neither their signature check nor their entries, so parsing and
/// verification use BouncyCastle, which the project already ships (it is trim/AOT clean).
/// </summary>
public sealed class VerifiedCrl
{
    private readonly HashSet<BigInteger> revokedSerials;

    private VerifiedCrl(HashSet<BigInteger> revokedSerials, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate, string number, byte[] der)
    {
        this.revokedSerials = revokedSerials;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        Number = number;
        Der = der;
    }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset NextUpdate { get; }

    /// <summary>The cRLNumber extension as decimal, or "none".</summary>
    public string Number { get; }

    public int RevokedCount => revokedSerials.Count;

    internal byte[] Der { get; }

    /// <summary>Parses <paramref name="der"/> and checks issuer, signature and update times against <paramref name="clusterCa"/>.</summary>
    /// <exception cref="CrlRejectedException">Says which check failed.</exception>
    public static VerifiedCrl Verify(byte[] der, X509Certificate2 clusterCa, DateTimeOffset now, TimeSpan clockSkew)
    {
        ArgumentNullException.ThrowIfNull(der);
        ArgumentNullException.ThrowIfNull(clusterCa);
        X509Crl crl;
        try
        {
            crl = new X509CrlParser().ReadCrl(der)
                ?? throw new CrlRejectedException("the CRL is empty");
        }
        catch (Exception exception) when (exception is CrlException or IOException or ArgumentException or InvalidCastException or InvalidOperationException)
        {
            throw new CrlRejectedException($"the CRL is not DER: {exception.Message}", exception);
        }
        var ca = new X509CertificateParser().ReadCertificate(clusterCa.RawData);
        if (!crl.IssuerDN.Equivalent(ca.SubjectDN))
        {
            throw new CrlRejectedException($"the CRL is issued by '{crl.IssuerDN}', not by the cluster CA '{ca.SubjectDN}'");
        }
        try
        {
            crl.Verify(ca.GetPublicKey());
        }
        catch (Exception exception) when (exception is InvalidKeyException or SignatureException or CrlException or SecurityUtilityException)
        {
            throw new CrlRejectedException($"the CRL signature does not verify with the cluster CA's key: {exception.Message}", exception);
        }
        if (crl.NextUpdate is null)
        {
            throw new CrlRejectedException("the CRL has no nextUpdate, so its freshness cannot be judged");
        }
        var thisUpdate = new DateTimeOffset(DateTime.SpecifyKind(crl.ThisUpdate, DateTimeKind.Utc));
        var nextUpdate = new DateTimeOffset(DateTime.SpecifyKind(crl.NextUpdate.Value, DateTimeKind.Utc));
        if (thisUpdate > now + clockSkew)
        {
            throw new CrlRejectedException($"the CRL's thisUpdate {thisUpdate:u} is in the future");
        }
        if (nextUpdate < now - clockSkew)
        {
            throw new CrlRejectedException($"the CRL expired: its nextUpdate was {nextUpdate:u}");
        }
        var serials = new HashSet<BigInteger>();
        foreach (var entry in crl.GetRevokedCertificates() ?? new HashSet<X509CrlEntry>())
        {
            serials.Add(entry.SerialNumber);
        }
        var numberExtension = crl.GetExtensionValue(X509Extensions.CrlNumber);
        var number = numberExtension is null
            ? "none"
            : DerInteger.GetInstance(Asn1Object.FromByteArray(numberExtension.GetOctets())).Value.ToString();
        return new VerifiedCrl(serials, thisUpdate, nextUpdate, number, (byte[])der.Clone());
    }

    public bool IsCurrent(DateTimeOffset now, TimeSpan clockSkew) => now - clockSkew <= NextUpdate;

    public bool IsRevoked(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return revokedSerials.Contains(new BigInteger(1, certificate.SerialNumberBytes.ToArray()));
    }
}
