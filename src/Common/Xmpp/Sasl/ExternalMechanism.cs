using System.Text;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Sasl;

/// <summary>
/// EXTERNAL (RFC 4422 Appendix A, RFC 6120 §6.3.4, XEP-0178): the identity comes from the TLS client certificate.
/// The message is the authorization identity, or empty ("=" on the wire) to let the server derive it from the
/// certificate, as XEP-0178 §3 recommends when the certificate holds a single address.
/// </summary>
public sealed class ExternalMechanism : ISaslMechanism
{
    public const string MechanismName = "EXTERNAL";

    private readonly string? _authorizationId;
    private bool _sent;

    public ExternalMechanism(string? authorizationId = null)
    {
        _authorizationId = authorizationId;
    }

    public string Name => MechanismName;

    /// <summary>The certificate is presented during the TLS handshake: there is nothing to use without TLS.</summary>
    public bool RequiresTls => true;

    public byte[]? InitialResponse()
    {
        _sent = true;
        return _authorizationId is null ? [] : Encoding.UTF8.GetBytes(_authorizationId);
    }

    public byte[] Challenge(ReadOnlySpan<byte> challenge)
    {
        if (challenge.IsEmpty && !_sent)
        {
            return InitialResponse()!;
        }

        throw new AuthenticationException(SaslFailureCondition.MalformedRequest, "EXTERNAL: the server sent an unexpected challenge");
    }

    public void Success(ReadOnlySpan<byte> additionalData)
    {
        if (!additionalData.IsEmpty)
        {
            throw new AuthenticationException(SaslFailureCondition.MalformedRequest, "EXTERNAL: the server's success carries data, which EXTERNAL does not define");
        }
    }
}
