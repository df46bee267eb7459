namespace CleverCloud.Xmpp.Core;

/// <summary>
/// The server's SCRAM signature (RFC 5802 §3, 'v=') does not prove knowledge of our stored key: the peer is not the
/// server holding our account, so nothing it says after this point can be trusted.
/// </summary>
public sealed class ServerSignatureMismatchException : AuthenticationException
{
    public ServerSignatureMismatchException(string mechanism)
        : base(
            SaslFailureCondition.NotAuthorized,
            $"{mechanism}: the server signature does not match; the server did not prove it knows the account's credentials")
    {
        Mechanism = mechanism;
    }

    public string Mechanism { get; }
}
