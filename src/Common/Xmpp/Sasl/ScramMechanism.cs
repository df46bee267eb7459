using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Sasl;

/// <summary>The hash function of a SCRAM family member.</summary>
public enum ScramHash
{
    /// <summary>SCRAM-SHA-1 (RFC 5802).</summary>
    Sha1,

    /// <summary>SCRAM-SHA-256 (RFC 7677).</summary>
    Sha256,
}

/// <summary>
/// The client side of SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), without channel binding.
/// </summary>
/// <remarks>
/// The GS2 header is always "n,," (or "n,a=authzid,"): RFC 5802 §6 has a client that does not support channel
/// binding send the flag "n", and such a client must never select a "-PLUS" variant (which ejabberd offers). Sending
/// "y" would claim support we lack. Username and password are not SASLprep'ed (RFC 4013): the agents' account names
/// and generated passwords are ASCII, for which SASLprep is the identity.
/// </remarks>
public sealed class ScramMechanism : ISaslMechanism
{
    private static readonly byte[] ClientKeyLabel = "Client Key"u8.ToArray();
    private static readonly byte[] ServerKeyLabel = "Server Key"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ScramHash _hash;
    private readonly string _username;
    private readonly string _password;
    private readonly string? _authorizationId;
    private readonly ScramOptions _options;

    private State _state = State.Initial;
    private string _gs2Header = string.Empty;
    private string _clientNonce = string.Empty;
    private string _clientFirstBare = string.Empty;
    private byte[] _expectedServerSignature = [];

    public ScramMechanism(ScramHash hash, string username, string password, string? authorizationId = null, ScramOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentNullException.ThrowIfNull(password);
        options ??= ScramOptions.Default;
        options.Validate();
        _hash = hash;
        _username = username;
        _password = password;
        _authorizationId = authorizationId;
        _options = options;
        Name = hash == ScramHash.Sha1 ? ScramSha1Name : ScramSha256Name;
    }

    private enum State
    {
        Initial,
        AwaitingServerFirst,
        AwaitingServerFinal,
        ServerVerified,
        Failed,
    }

    public const string ScramSha1Name = "SCRAM-SHA-1";
    public const string ScramSha256Name = "SCRAM-SHA-256";

    public string Name { get; }

    /// <summary>SCRAM never reveals the password, so it may run before TLS (the server chooses whether to allow it).</summary>
    public bool RequiresTls => false;

    public byte[]? InitialResponse()
    {
        if (_state != State.Initial)
        {
            throw new InvalidOperationException($"{Name}: the initial response was already produced; use a new instance per attempt");
        }

        _clientNonce = _options.ClientNonceFactory?.Invoke() ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        if (!IsValidNonce(_clientNonce))
        {
            throw new InvalidOperationException($"{Name}: the client nonce must be non-empty printable ASCII without ','");
        }

        _gs2Header = _authorizationId is null ? "n,," : $"n,a={EscapeSaslName(_authorizationId)},";
        _clientFirstBare = $"n={EscapeSaslName(_username)},r={_clientNonce}";
        _state = State.AwaitingServerFirst;
        return Encoding.UTF8.GetBytes(_gs2Header + _clientFirstBare);
    }

    public byte[] Challenge(ReadOnlySpan<byte> challenge)
    {
        switch (_state)
        {
            case State.AwaitingServerFirst:
                return Guard(challenge, ServerFirst);
            case State.AwaitingServerFinal:
                // Some servers send server-final in a challenge and then an empty <success/>.
                Guard(challenge, VerifyServerFinal);
                return [];
            default:
                _state = State.Failed;
                throw new AuthenticationException(
                    SaslFailureCondition.MalformedRequest, $"{Name}: the server sent a challenge where none belongs in the exchange");
        }
    }

    public void Success(ReadOnlySpan<byte> additionalData)
    {
        switch (_state)
        {
            case State.AwaitingServerFinal when additionalData.IsEmpty:
                _state = State.Failed;
                throw new AuthenticationException(
                    SaslFailureCondition.NotAuthorized,
                    $"{Name}: the server reported success without its signature, so it never proved it knows the account");
            case State.AwaitingServerFinal:
                Guard(additionalData, VerifyServerFinal);
                return;
            case State.ServerVerified when additionalData.IsEmpty:
                return;
            case State.ServerVerified:
                // A server that repeats its final message in <success/> must repeat the same signature.
                Guard(additionalData, VerifyServerFinal);
                return;
            default:
                _state = State.Failed;
                throw new AuthenticationException(
                    SaslFailureCondition.MalformedRequest, $"{Name}: the server reported success before the exchange was complete");
        }
    }

    /// <summary>RFC 5802 §5.1 saslname: ',' and '=' are escaped as "=2C" and "=3D".</summary>
    public static string EscapeSaslName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
    }

    private delegate byte[] MessageHandler(string message);

    private byte[] Guard(ReadOnlySpan<byte> payload, MessageHandler handler)
    {
        try
        {
            string message;
            try
            {
                message = StrictUtf8.GetString(payload);
            }
            catch (DecoderFallbackException error)
            {
                throw new AuthenticationException(
                    SaslFailureCondition.IncorrectEncoding, $"{Name}: the server message is not valid UTF-8", innerException: error);
            }

            return handler(message);
        }
        catch (AuthenticationException)
        {
            _state = State.Failed;
            throw;
        }
    }

    private byte[] ServerFirst(string serverFirst)
    {
        ThrowIfServerError(serverFirst);
        if (serverFirst.StartsWith("m=", StringComparison.Ordinal))
        {
            throw Malformed("the server requires a mandatory extension ('m=') this client does not implement");
        }

        var attributes = serverFirst.Split(',');
        if (attributes.Length < 3)
        {
            throw Malformed($"server-first-message '{serverFirst}' lacks r=, s= or i=");
        }

        var serverNonce = AttributeValue(attributes[0], 'r', serverFirst);
        var saltText = AttributeValue(attributes[1], 's', serverFirst);
        var iterationText = AttributeValue(attributes[2], 'i', serverFirst);

        // RFC 5802 §5.1: the server appends its own nonce to ours; anything else may be a replay.
        if (!serverNonce.StartsWith(_clientNonce, StringComparison.Ordinal) || serverNonce.Length <= _clientNonce.Length)
        {
            throw new AuthenticationException(
                SaslFailureCondition.NotAuthorized, $"{Name}: the server nonce does not extend the client nonce; refusing a possible replay");
        }

        if (!IsValidNonce(serverNonce))
        {
            throw Malformed("the server nonce holds characters outside printable ASCII");
        }

        byte[] salt;
        try
        {
            salt = Convert.FromBase64String(saltText);
        }
        catch (FormatException error)
        {
            throw new AuthenticationException(
                SaslFailureCondition.IncorrectEncoding, $"{Name}: the salt '{saltText}' is not base64", innerException: error);
        }

        if (salt.Length == 0)
        {
            throw Malformed("the salt is empty");
        }

        if (!int.TryParse(iterationText, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations))
        {
            throw Malformed($"the iteration count '{iterationText}' is not a positive integer");
        }

        if (iterations < _options.MinimumIterations)
        {
            throw new AuthenticationException(
                SaslFailureCondition.MechanismTooWeak,
                $"{Name}: the server asks for {iterations} iterations, below the accepted minimum of {_options.MinimumIterations}");
        }

        if (iterations > _options.MaximumIterations)
        {
            throw Malformed($"the server asks for {iterations} iterations, above the accepted maximum of {_options.MaximumIterations}");
        }

        var clientFinalWithoutProof =
            $"c={Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header))},r={serverNonce}";
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{serverFirst},{clientFinalWithoutProof}");

        var hashName = _hash == ScramHash.Sha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
        var hashLength = _hash == ScramHash.Sha1 ? SHA1.HashSizeInBytes : SHA256.HashSizeInBytes;
        var passwordBytes = Encoding.UTF8.GetBytes(_password);
        var saltedPassword = Rfc2898DeriveBytes.Pbkdf2(passwordBytes, salt, iterations, hashName, hashLength);
        var clientKey = Hmac(saltedPassword, ClientKeyLabel);
        var storedKey = Hash(clientKey);
        var clientSignature = Hmac(storedKey, authMessage);
        var proof = new byte[clientKey.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ clientSignature[i]);
        }

        var serverKey = Hmac(saltedPassword, ServerKeyLabel);
        _expectedServerSignature = Hmac(serverKey, authMessage);

        CryptographicOperations.ZeroMemory(passwordBytes);
        CryptographicOperations.ZeroMemory(saltedPassword);
        CryptographicOperations.ZeroMemory(clientKey);
        CryptographicOperations.ZeroMemory(storedKey);
        CryptographicOperations.ZeroMemory(serverKey);

        _state = State.AwaitingServerFinal;
        return Encoding.UTF8.GetBytes($"{clientFinalWithoutProof},p={Convert.ToBase64String(proof)}");
    }

    private byte[] VerifyServerFinal(string serverFinal)
    {
        ThrowIfServerError(serverFinal);
        var verifier = serverFinal.Split(',')[0];
        var signatureText = AttributeValue(verifier, 'v', serverFinal);
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText);
        }
        catch (FormatException error)
        {
            throw new AuthenticationException(
                SaslFailureCondition.IncorrectEncoding, $"{Name}: the server signature is not base64", innerException: error);
        }

        if (!CryptographicOperations.FixedTimeEquals(signature, _expectedServerSignature))
        {
            throw new ServerSignatureMismatchException(Name);
        }

        _state = State.ServerVerified;
        return [];
    }

    private void ThrowIfServerError(string message)
    {
        if (message.StartsWith("e=", StringComparison.Ordinal))
        {
            var serverError = message[2..].Split(',')[0];
            throw new AuthenticationException(
                SaslFailureCondition.NotAuthorized, $"{Name}: the server refused the authentication: {serverError}", serverError);
        }
    }

    private string AttributeValue(string attribute, char name, string message)
    {
        if (attribute.Length < 2 || attribute[0] != name || attribute[1] != '=')
        {
            throw Malformed($"expected attribute '{name}=' in '{message}'");
        }

        return attribute[2..];
    }

    private AuthenticationException Malformed(string detail) =>
        new(SaslFailureCondition.MalformedRequest, $"{Name}: {detail}");

    private byte[] Hmac(byte[] key, byte[] data) =>
        _hash == ScramHash.Sha1 ? HMACSHA1.HashData(key, data) : HMACSHA256.HashData(key, data);

    private byte[] Hash(byte[] data) => _hash == ScramHash.Sha1 ? SHA1.HashData(data) : SHA256.HashData(data);

    private static bool IsValidNonce(string nonce) =>
        nonce.Length > 0 && nonce.All(static c => c is >= '!' and <= '~' && c != ',');
}
