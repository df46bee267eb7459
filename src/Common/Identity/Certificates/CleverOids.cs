namespace CleverCloud.Identity.Certificates;

/// <summary>Object identifiers the project puts into certificates.</summary>
public static class CleverOids
{
    /// <summary>id-on-xmppAddr, RFC 6120 §13.7.1.4: otherName in subjectAltName holding the entity's bare JID (UTF8String).</summary>
    public const string XmppAddr = "1.3.6.1.5.5.7.8.5";

    /// <summary>
    /// CleverCloud agent role extension (non-critical): an ASN.1 UTF8String "cm", "hm" or "admin".
    /// Arc under the private-use prefix 1.3.6.1.4.1.55555 (placeholder enterprise number for this project).
    /// </summary>
    public const string AgentRoleExtension = "1.3.6.1.4.1.55555.1.1";

    /// <summary>SCEP challengePassword attribute (PKCS#9).</summary>
    public const string ChallengePassword = "1.2.840.113549.1.9.7";
}
