using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Sasl;

/// <summary>
/// Chooses the mechanism for a login from what the server offers and what the client holds, strongest first:
/// EXTERNAL (client certificate over TLS), SCRAM-SHA-256, SCRAM-SHA-1, then PLAIN only inside TLS. Channel-binding
/// variants ("-PLUS") are never chosen: this client does not implement channel binding (see <see cref="ScramMechanism"/>).
/// </summary>
public sealed class SaslMechanismSelector
{
    private readonly ScramOptions _scramOptions;

    public SaslMechanismSelector(ScramOptions? scramOptions = null)
    {
        _scramOptions = scramOptions ?? ScramOptions.Default;
        _scramOptions.Validate();
    }

    /// <summary>Picks and creates the mechanism to run.</summary>
    /// <exception cref="AuthenticationException">
    /// invalid-mechanism when nothing offered fits the credentials; encryption-required when only PLAIN fits and TLS is
    /// not established.
    /// </exception>
    public ISaslMechanism Select(IEnumerable<string> offeredMechanisms, SaslCredentials credentials, bool tlsEstablished)
    {
        ArgumentNullException.ThrowIfNull(offeredMechanisms);
        ArgumentNullException.ThrowIfNull(credentials);

        // Mechanism names are case-sensitive upper-case strings (RFC 4422 §3.1).
        var offered = new HashSet<string>(offeredMechanisms.Select(static name => name.Trim()), StringComparer.Ordinal);

        if (credentials.HasClientCertificate && tlsEstablished && offered.Contains(ExternalMechanism.MechanismName))
        {
            return new ExternalMechanism(credentials.AuthorizationId);
        }

        if (credentials.Password is { } password && credentials.Username is { } username)
        {
            if (offered.Contains(ScramMechanism.ScramSha256Name))
            {
                return new ScramMechanism(ScramHash.Sha256, username, password, credentials.AuthorizationId, _scramOptions);
            }

            if (offered.Contains(ScramMechanism.ScramSha1Name))
            {
                return new ScramMechanism(ScramHash.Sha1, username, password, credentials.AuthorizationId, _scramOptions);
            }

            if (offered.Contains(PlainMechanism.MechanismName))
            {
                if (!tlsEstablished)
                {
                    throw new AuthenticationException(
                        SaslFailureCondition.EncryptionRequired,
                        $"the server offers only mechanisms this client cannot use safely ({string.Join(", ", offered)}): "
                        + "PLAIN would send the password in clear without TLS; enable STARTTLS or SCRAM on the server");
                }

                return new PlainMechanism(username, password, credentials.AuthorizationId);
            }
        }

        throw new AuthenticationException(SaslFailureCondition.InvalidMechanism, DescribeNoMatch(offered, credentials, tlsEstablished));
    }

    private static string DescribeNoMatch(HashSet<string> offered, SaslCredentials credentials, bool tlsEstablished)
    {
        if (offered.Count == 0)
        {
            return "the server offers no SASL mechanism";
        }

        var usable = new List<string>();
        if (credentials.HasClientCertificate)
        {
            usable.Add(tlsEstablished ? ExternalMechanism.MechanismName : "EXTERNAL (needs TLS)");
        }

        if (credentials.Password is not null)
        {
            usable.Add(ScramMechanism.ScramSha256Name);
            usable.Add(ScramMechanism.ScramSha1Name);
            usable.Add(tlsEstablished ? PlainMechanism.MechanismName : "PLAIN (needs TLS)");
        }

        var plusNote = offered.Any(static name => name.EndsWith("-PLUS", StringComparison.Ordinal))
            ? "; -PLUS mechanisms need channel binding, which this client does not do"
            : string.Empty;
        return $"no offered SASL mechanism fits: the server offers {string.Join(", ", offered.Order(StringComparer.Ordinal))}, "
            + $"these credentials allow {string.Join(", ", usable)}{plusNote}";
    }
}
