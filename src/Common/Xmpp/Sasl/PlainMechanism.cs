using System.Text;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Sasl;

/// <summary>
/// PLAIN (RFC 4616): the password itself, so only ever inside TLS; <see cref="SaslMechanismSelector"/> refuses it
/// otherwise.
/// </summary>
public sealed class PlainMechanism : ISaslMechanism
{
    public const string MechanismName = "PLAIN";

    private readonly string _username;
    private readonly string _password;
    private readonly string? _authorizationId;
    private bool _sent;

    public PlainMechanism(string username, string password, string? authorizationId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);

        // RFC 4616 §2: NUL separates the three fields, so none may contain it.
        if (username.Contains('\0', StringComparison.Ordinal) || password.Contains('\0', StringComparison.Ordinal)
            || (authorizationId?.Contains('\0', StringComparison.Ordinal) ?? false))
        {
            throw new ArgumentException("PLAIN credentials must not contain the NUL character");
        }

        _username = username;
        _password = password;
        _authorizationId = authorizationId;
    }

    public string Name => MechanismName;

    public bool RequiresTls => true;

    public byte[]? InitialResponse()
    {
        _sent = true;
        return Encoding.UTF8.GetBytes($"{_authorizationId}\0{_username}\0{_password}");
    }

    public byte[] Challenge(ReadOnlySpan<byte> challenge)
    {
        // Only a server that ignored the initial response may ask again, with an empty challenge (RFC 4616 §2).
        if (challenge.IsEmpty && !_sent)
        {
            return InitialResponse()!;
        }

        throw new AuthenticationException(SaslFailureCondition.MalformedRequest, "PLAIN: the server sent a challenge, which PLAIN never expects after its message");
    }

    public void Success(ReadOnlySpan<byte> additionalData)
    {
        if (!additionalData.IsEmpty)
        {
            throw new AuthenticationException(SaslFailureCondition.MalformedRequest, "PLAIN: the server's success carries data, which PLAIN does not define");
        }
    }
}
