namespace CleverCloud.Identity.Scep;

/// <summary>SCEP messageType values (RFC 8894 §3.2.1.2), carried as a PrintableString of the decimal number.</summary>
public enum ScepMessageType
{
    CertRep = 3,
    RenewalReq = 17,
    PkcsReq = 19,
    CertPoll = 20,
    GetCert = 21,
    GetCrl = 22,
}

/// <summary>SCEP pkiStatus values (RFC 8894 §3.2.1.3).</summary>
public enum ScepPkiStatus
{
    Success = 0,
    Failure = 2,
    Pending = 3,
}

/// <summary>SCEP failInfo values (RFC 8894 §3.2.1.4).</summary>
public enum ScepFailInfo
{
    BadAlg = 0,
    BadMessageCheck = 1,
    BadRequest = 2,
    BadTime = 3,
    BadCertId = 4,
}

/// <summary>Object identifiers of the SCEP signed attributes and of the CMS pieces SCEP uses.</summary>
public static class ScepOids
{
    public const string MessageType = "2.16.840.1.113733.1.9.2";
    public const string PkiStatus = "2.16.840.1.113733.1.9.3";
    public const string FailInfo = "2.16.840.1.113733.1.9.4";
    public const string SenderNonce = "2.16.840.1.113733.1.9.5";
    public const string RecipientNonce = "2.16.840.1.113733.1.9.6";
    public const string TransactionId = "2.16.840.1.113733.1.9.7";

    public const string Data = "1.2.840.113549.1.7.1";
    public const string SignedData = "1.2.840.113549.1.7.2";

    public const string Aes128Cbc = "2.16.840.1.101.3.4.1.2";
    public const string Aes192Cbc = "2.16.840.1.101.3.4.1.22";
    public const string Aes256Cbc = "2.16.840.1.101.3.4.1.42";

    public const string Sha256 = "2.16.840.1.101.3.4.2.1";
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";
}

/// <summary>HTTP-level constants of the SCEP transport (RFC 8894 §4).</summary>
public static class ScepMediaTypes
{
    public const string PkiMessage = "application/x-pki-message";
    public const string CaCertificate = "application/x-x509-ca-cert";
    public const string CaRaCertificates = "application/x-x509-ca-ra-cert";
    public const string Capabilities = "text/plain";
}
