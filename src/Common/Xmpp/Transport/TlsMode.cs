namespace CleverCloud.Xmpp.Transport;

public enum TlsMode
{
    /// <summary>STARTTLS must be offered and succeed (RFC 6120 §5); the default.</summary>
    Required,
    /// <summary>TLS from the first byte on a dedicated port (XEP-0368).</summary>
    DirectTls,
    /// <summary>STARTTLS when offered, plaintext otherwise. Never a silent downgrade of a Required setting.</summary>
    Optional,
    /// <summary>No TLS at all. Only for benchmarks' baseline and tests on loopback; must be chosen explicitly.</summary>
    None,
}
