namespace CleverCloud.Xmpp.Sasl;

/// <summary>
/// One client-side SASL mechanism (RFC 4422) for a single authentication exchange; create a new instance per attempt.
/// The session drives it: <see cref="InitialResponse"/> goes into &lt;auth/&gt;, each &lt;challenge/&gt; payload goes
/// through <see cref="Challenge"/> and the result into &lt;response/&gt;, and the payload of &lt;success/&gt; through
/// <see cref="Success"/>, which throws when the server failed to prove itself. Failures are
/// <see cref="Core.AuthenticationException"/>s; the session should then send &lt;abort/&gt;.
/// </summary>
public interface ISaslMechanism
{
    /// <summary>The IANA-registered mechanism name, as it appears in &lt;mechanism/&gt; and &lt;auth mechanism=''/&gt;.</summary>
    string Name { get; }

    /// <summary>True when the mechanism exposes the password or depends on the TLS layer, so must not run in clear.</summary>
    bool RequiresTls { get; }

    /// <summary>
    /// The client's first message. Null sends &lt;auth/&gt; without content (wait for a challenge); an empty array sends
    /// "=" (an empty initial response, RFC 6120 §6.4.2).
    /// </summary>
    byte[]? InitialResponse();

    /// <summary>The response to one server challenge (already base64-decoded).</summary>
    byte[] Challenge(ReadOnlySpan<byte> challenge);

    /// <summary>
    /// Handles the additional data of &lt;success/&gt; (empty when there was none) and verifies whatever the mechanism
    /// requires of the server's final message.
    /// </summary>
    void Success(ReadOnlySpan<byte> additionalData);
}
