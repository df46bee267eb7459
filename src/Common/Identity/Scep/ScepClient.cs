using System.Diagnostics;
using System.Formats.Asn1;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Identity.Scep;

/// <summary>
/// RFC 8894 SCEP client every CleverCloud entity uses at first start (PKCSReq with a one-time challenge) and before
/// expiry (RenewalReq signed with the current certificate). The CA is trusted only through <see cref="TrustAnchor"/>.
/// </summary>
/// <remarks>
/// The SCEP envelope is signed with the key being certified (through a transient self-signed certificate), whatever
/// its algorithm; the CA answers EC requesters with ECDH key agreement (see <see cref="ScepEnvelope"/>), so no
/// extra RSA key has to be generated on the agent.
/// </remarks>
public sealed class ScepClient(HttpClient http, Uri endpoint, ILogger<ScepClient> logger)
{
    private static readonly TimeSpan SignerClockSkew = TimeSpan.FromMinutes(5);
    private CaCertificates? caCertificates;
    private ScepCapabilities? capabilities;

    /// <summary>The configured pin of the CA certificate; GetCACert answers not matching it are refused.</summary>
    public required ScepTrustAnchor TrustAnchor { get; init; }

    public async Task<ScepCapabilities> GetCapabilitiesAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "GetCACaps", null, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var parsed = ScepCapabilities.Parse(text);
        capabilities = parsed;
        return parsed;
    }

    /// <summary>Returns the CA certificate followed by its RA certificates, after checking them against the pin.</summary>
    public async Task<X509Certificate2Collection> GetCaCertificatesAsync(CancellationToken cancellationToken)
    {
        var certificates = await LoadCaCertificatesAsync(cancellationToken).ConfigureAwait(false);
        var collection = new X509Certificate2Collection(certificates.Ca);
        foreach (var ra in certificates.RegistrationAuthorities)
        {
            collection.Add(ra);
        }
        return collection;
    }

    /// <summary>Enrolls with PKCSReq; polls while the CA answers PENDING; returns the certificate with its key.</summary>
    /// <exception cref="ScepException">Rejected (FailInfo set), unreachable or still pending (IsTransient).</exception>
    public async Task<X509Certificate2> EnrollAsync(EnrollmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ca = await LoadCaCertificatesAsync(cancellationToken).ConfigureAwait(false);
        var subject = SubjectFor(request.XmppAddress);
        var csr = BuildSigningRequest(subject, request.XmppAddress, request.Role, request.Key, request.ChallengePassword);
        using var signer = CreateTransientSigner(subject, request.Key);
        var transactionId = TransactionIdFor(request.Key);
        ScepClientLog.Enrolling(logger, request.XmppAddress, request.Role.ToWire(), endpoint, transactionId);
        var issued = await RunTransactionAsync(
            ScepMessageType.PkcsReq, csr, transactionId, signer, request.Key, ca, subject,
            request.PollInterval, request.MaxWait, cancellationToken).ConfigureAwait(false);
        var withKey = AttachKey(issued, request.Key);
        ScepClientLog.Issued(logger, request.XmppAddress, withKey.SerialNumber, withKey.NotAfter.ToUniversalTime());
        return withKey;
    }

    /// <summary>
    /// Renews with RenewalReq signed by <paramref name="currentWithKey"/>; the new certificate certifies
    /// <paramref name="newKey"/> for the same address and role.
    /// </summary>
    public async Task<X509Certificate2> RenewAsync(X509Certificate2 currentWithKey, AsymmetricAlgorithm newKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(currentWithKey);
        ArgumentNullException.ThrowIfNull(newKey);
        var (address, role) = CertificateIdentity.Read(currentWithKey);
        if (address is null || role is null)
        {
            throw new ArgumentException("The current certificate carries no CleverCloud address and role.", nameof(currentWithKey));
        }
        AsymmetricAlgorithm currentKey = (AsymmetricAlgorithm?)currentWithKey.GetECDsaPrivateKey()
            ?? currentWithKey.GetRSAPrivateKey()
            ?? throw new ArgumentException("The current certificate has no private key attached.", nameof(currentWithKey));
        using (currentKey)
        {
            var ca = await LoadCaCertificatesAsync(cancellationToken).ConfigureAwait(false);
            var subject = SubjectFor(address);
            var csr = BuildSigningRequest(subject, address, role.Value, newKey, challengePassword: null);
            var transactionId = TransactionIdFor(newKey);
            ScepClientLog.Renewing(logger, address, currentWithKey.SerialNumber, transactionId);
            using var signer = X509CertificateLoader.LoadCertificate(currentWithKey.RawData);
            var issued = await RunTransactionAsync(
                ScepMessageType.RenewalReq, csr, transactionId, signer, currentKey, ca, subject,
                TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
            var withKey = AttachKey(issued, newKey);
            ScepClientLog.Issued(logger, address, withKey.SerialNumber, withKey.NotAfter.ToUniversalTime());
            return withKey;
        }
    }

    /// <summary>
    /// GetCRL (RFC 8894 §3.3.4): the CA's current CRL (DER), asked for with an existing certificate of ours, which
    /// signs the request and receives the encrypted reply.
    /// </summary>
    public async Task<byte[]> GetCrlAsync(X509Certificate2 currentWithKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(currentWithKey);
        AsymmetricAlgorithm key = (AsymmetricAlgorithm?)currentWithKey.GetECDsaPrivateKey()
            ?? currentWithKey.GetRSAPrivateKey()
            ?? throw new ArgumentException("The certificate has no private key attached.", nameof(currentWithKey));
        using (key)
        {
            var ca = await LoadCaCertificatesAsync(cancellationToken).ConfigureAwait(false);
            using var signer = X509CertificateLoader.LoadCertificate(currentWithKey.RawData);
            var writer = new AsnWriter(AsnEncodingRules.DER);
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(currentWithKey.IssuerName.RawData);
                writer.WriteInteger(currentWithKey.SerialNumberBytes.Span);
            }
            var message = new ScepPkiMessage
            {
                MessageType = ScepMessageType.GetCrl,
                TransactionId = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
                SenderNonce = ScepPkiMessage.NewNonce(),
                Content = ScepEnvelope.Encrypt(writer.Encode(), ca.Recipient),
            };
            var reply = await ExchangeAsync(message, signer, key, ca, cancellationToken).ConfigureAwait(false);
            if (reply.PkiStatus != ScepPkiStatus.Success)
            {
                throw new ScepException($"The CA refused GetCRL: {reply.PkiStatus} {reply.FailInfo}.", reply.FailInfo, reply.PkiStatus == ScepPkiStatus.Pending);
            }
            try
            {
                var crls = DegeneratePkcs7.Decode(ScepEnvelope.Decrypt(reply.Content, signer, key)).Crls;
                return crls.Count == 1 ? crls[0] : throw BadReply(message.TransactionId, $"the reply holds {crls.Count} CRLs instead of one");
            }
            catch (Exception exception) when (exception is ScepMessageException or ScepFormatException)
            {
                throw BadReply(message.TransactionId, exception.Message, exception);
            }
        }
    }

    /// <summary>Builds the PKCS#10 request: CN and id-on-xmppAddr = the address, role extension, challengePassword.</summary>
    public static byte[] BuildSigningRequest(X500DistinguishedName subject, string xmppAddress, AgentRole role, AsymmetricAlgorithm key, string? challengePassword)
    {
        var request = CreateRequest(subject, key);
        CertificateIdentity.AddTo(request, xmppAddress, role);
        if (challengePassword is not null)
        {
            request.OtherRequestAttributes.Add(new AsnEncodedData(CleverOids.ChallengePassword, EncodeDirectoryString(challengePassword)));
        }
        return request.CreateSigningRequest();
    }

    public static X500DistinguishedName SubjectFor(string xmppAddress)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(xmppAddress);
        return builder.Build();
    }

    /// <summary>RFC 8894 §3.2.1.1 suggests a hash of the public key: stable across retries of the same key.</summary>
    public static string TransactionIdFor(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => Convert.ToHexString(SHA256.HashData(ecdsa.ExportSubjectPublicKeyInfo())),
        RSA rsa => Convert.ToHexString(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo())),
        _ => throw new ArgumentException($"Unsupported key type {key.GetType().Name}; use ECDsa or RSA.", nameof(key)),
    };

    /// <summary>The self-signed certificate that signs a PKCSReq (RFC 8894 §2.3), made from the key being certified.</summary>
    public static X509Certificate2 CreateTransientSigner(X500DistinguishedName subject, AsymmetricAlgorithm key)
    {
        var now = DateTimeOffset.UtcNow;
        return CreateRequest(subject, key).CreateSelfSigned(now - SignerClockSkew, now + TimeSpan.FromDays(1));
    }

    private static CertificateRequest CreateRequest(X500DistinguishedName subject, AsymmetricAlgorithm key) => key switch
    {
        ECDsa ecdsa => new CertificateRequest(subject, ecdsa, HashAlgorithmName.SHA256),
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => throw new ArgumentException($"Unsupported key type {key.GetType().Name}; use ECDsa or RSA.", nameof(key)),
    };

    private static byte[] EncodeDirectoryString(string text)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        var printable = text.All(character => char.IsAsciiLetterOrDigit(character) || " '()+,-./:=?".Contains(character, StringComparison.Ordinal));
        writer.WriteCharacterString(printable ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String, text);
        return writer.Encode();
    }

    private async Task<X509Certificate2> RunTransactionAsync(
        ScepMessageType messageType, byte[] csr, string transactionId, X509Certificate2 signer, AsymmetricAlgorithm signerKey,
        CaCertificates ca, X500DistinguishedName subject, TimeSpan pollInterval, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var content = csr;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var message = new ScepPkiMessage
            {
                MessageType = messageType,
                TransactionId = transactionId,
                SenderNonce = ScepPkiMessage.NewNonce(),
                Content = ScepEnvelope.Encrypt(content, ca.Recipient),
            };
            var reply = await ExchangeAsync(message, signer, signerKey, ca, cancellationToken).ConfigureAwait(false);
            switch (reply.PkiStatus)
            {
                case ScepPkiStatus.Success:
                    return ReadIssuedCertificate(reply, transactionId, signer, signerKey, ca);
                case ScepPkiStatus.Failure:
                    ScepClientLog.Rejected(logger, transactionId, reply.FailInfo);
                    throw new ScepException($"The CA rejected the request: {reply.FailInfo?.ToString() ?? "no failInfo"}.", reply.FailInfo, isTransient: false);
                case ScepPkiStatus.Pending:
                    if (waited.Elapsed + pollInterval > maxWait)
                    {
                        throw new ScepException(
                            $"The request is still pending at the CA after {waited.Elapsed}; retry later with the same key.",
                            null, isTransient: true, new TimeoutException($"SCEP polling exceeded {maxWait}."));
                    }
                    ScepClientLog.Pending(logger, transactionId, pollInterval);
                    await Task.Delay(pollInterval, cancellationToken).ConfigureAwait(false);
                    messageType = ScepMessageType.CertPoll;
                    content = EncodeIssuerAndSubject(ca.Ca.SubjectName, subject);
                    break;
                default:
                    throw BadReply(transactionId, "the reply has no valid pkiStatus");
            }
        }
    }

    private async Task<ScepPkiMessage> ExchangeAsync(ScepPkiMessage message, X509Certificate2 signer, AsymmetricAlgorithm signerKey, CaCertificates ca, CancellationToken cancellationToken)
    {
        var encoded = message.Encode(signer, signerKey);
        var caps = capabilities ?? await GetCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
        using var response = caps.SupportsPost
            ? await SendAsync(HttpMethod.Post, "PKIOperation", encoded, cancellationToken).ConfigureAwait(false)
            : await SendAsync(HttpMethod.Get, "PKIOperation", encoded, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        ScepPkiMessage reply;
        try
        {
            reply = ScepPkiMessage.Decode(body);
        }
        catch (ScepFormatException exception)
        {
            throw BadReply(message.TransactionId, exception.Message, exception);
        }
        var replySigner = reply.SignerCertificate;
        if (replySigner is null || !ca.IsAuthorizedSigner(replySigner))
        {
            throw BadReply(message.TransactionId, "the reply is not signed by the pinned CA or its RA");
        }
        try
        {
            reply.VerifySignature(replySigner);
        }
        catch (ScepMessageException exception)
        {
            throw BadReply(message.TransactionId, exception.Message, exception);
        }
        if (reply.MessageType != ScepMessageType.CertRep || reply.TransactionId != message.TransactionId)
        {
            throw BadReply(message.TransactionId, "the reply is not a CertRep for this transaction");
        }
        if (reply.RecipientNonce is null || !reply.RecipientNonce.AsSpan().SequenceEqual(message.SenderNonce))
        {
            throw BadReply(message.TransactionId, "the reply's recipientNonce does not echo our senderNonce (replay?)");
        }
        return reply;
    }

    private X509Certificate2 ReadIssuedCertificate(ScepPkiMessage reply, string transactionId, X509Certificate2 signer, AsymmetricAlgorithm signerKey, CaCertificates ca)
    {
        byte[] degenerate;
        X509Certificate2Collection certificates;
        try
        {
            degenerate = ScepEnvelope.Decrypt(reply.Content, signer, signerKey);
            certificates = DegeneratePkcs7.Decode(degenerate).Certificates;
        }
        catch (Exception exception) when (exception is ScepMessageException or ScepFormatException)
        {
            throw BadReply(transactionId, exception.Message, exception);
        }
        foreach (var certificate in certificates)
        {
            if (certificate.IssuerName.RawData.AsSpan().SequenceEqual(ca.Ca.SubjectName.RawData) && ca.Issued(certificate))
            {
                return certificate;
            }
        }
        throw BadReply(transactionId, "the reply holds no certificate issued by the pinned CA");
    }

    private static X509Certificate2 AttachKey(X509Certificate2 issued, AsymmetricAlgorithm key)
    {
        using (issued)
        {
            return key switch
            {
                ECDsa ecdsa => issued.CopyWithPrivateKey(ecdsa),
                RSA rsa => issued.CopyWithPrivateKey(rsa),
                _ => throw new ArgumentException($"Unsupported key type {key.GetType().Name}.", nameof(key)),
            };
        }
    }

    private static byte[] EncodeIssuerAndSubject(X500DistinguishedName issuer, X500DistinguishedName subject)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(issuer.RawData);
            writer.WriteEncodedValue(subject.RawData);
        }
        return writer.Encode();
    }

    private ScepException BadReply(string transactionId, string reason, Exception? inner = null)
    {
        ScepClientLog.BadReply(logger, transactionId, reason);
        return new ScepException($"The CA's reply is not acceptable: {reason}.", null, isTransient: false, inner);
    }

    private async Task<CaCertificates> LoadCaCertificatesAsync(CancellationToken cancellationToken)
    {
        if (caCertificates is { } cached)
        {
            return cached;
        }
        using var response = await SendAsync(HttpMethod.Get, "GetCACert", null, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        X509Certificate2Collection received;
        try
        {
            received = response.Content.Headers.ContentType?.MediaType == ScepMediaTypes.CaCertificate
                ? new X509Certificate2Collection(X509CertificateLoader.LoadCertificate(body))
                : DegeneratePkcs7.Decode(body).Certificates;
        }
        catch (Exception exception) when (exception is ScepFormatException or CryptographicException)
        {
            throw new ScepException("GetCACert returned no parsable certificates.", null, isTransient: false, exception);
        }
        var ca = received.FirstOrDefault(TrustAnchor.Matches);
        if (ca is null)
        {
            ScepClientLog.CaNotPinned(logger);
            throw new ScepException("GetCACert returned no certificate matching the pinned CA fingerprint.", null, isTransient: false);
        }
        var validated = new CaCertificates(ca, received.Where(certificate => !ReferenceEquals(certificate, ca)).ToList());
        ScepClientLog.CaCertificatesAccepted(logger, ca.Subject, validated.RegistrationAuthorities.Count);
        caCertificates = validated;
        return validated;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string operation, byte[]? message, CancellationToken cancellationToken)
    {
        var query = $"operation={operation}";
        if (message is not null && method == HttpMethod.Get)
        {
            query += "&message=" + Uri.EscapeDataString(Convert.ToBase64String(message));
        }
        using var request = new HttpRequestMessage(method, new UriBuilder(endpoint) { Query = query }.Uri);
        if (message is not null && method == HttpMethod.Post)
        {
            request.Content = new ByteArrayContent(message);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(ScepMediaTypes.PkiMessage);
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            ScepClientLog.TransportFailure(logger, operation, 0, exception);
            throw new ScepException($"The CA at {endpoint} cannot be reached: {exception.Message}", null, isTransient: true, exception);
        }
        catch (TaskCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            ScepClientLog.TransportFailure(logger, operation, 0, exception);
            throw new ScepException($"The CA at {endpoint} did not answer {operation} in time.", null, isTransient: true, new TimeoutException(exception.Message, exception));
        }
        if (response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            ScepClientLog.TransportFailure(logger, operation, (int)response.StatusCode, null);
            var transient = (int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests;
            throw new ScepException($"The CA answered HTTP {(int)response.StatusCode} to {operation}: {detail}", null, transient);
        }
    }

    /// <summary>The pinned CA and the RA certificates it issued; the recipient of our envelopes is chosen here.</summary>
    private sealed class CaCertificates
    {
        public CaCertificates(X509Certificate2 ca, IReadOnlyList<X509Certificate2> candidates)
        {
            Ca = ca;
            RegistrationAuthorities = candidates.Where(Issued).ToList();
            // RFC 8894 §2.2: encrypt to the RA certificate allowed to encipher keys, else to the CA itself.
            Recipient = RegistrationAuthorities.FirstOrDefault(AllowsKeyEncipherment) ?? ca;
        }

        public X509Certificate2 Ca { get; }

        public IReadOnlyList<X509Certificate2> RegistrationAuthorities { get; }

        public X509Certificate2 Recipient { get; }

        public bool IsAuthorizedSigner(X509Certificate2 signer) =>
            signer.RawData.AsSpan().SequenceEqual(Ca.RawData)
            || RegistrationAuthorities.Any(ra => ra.RawData.AsSpan().SequenceEqual(signer.RawData));

        /// <summary>True when <paramref name="certificate"/> chains to the pinned CA alone (custom root trust).</summary>
        public bool Issued(X509Certificate2 certificate)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreWrongUsage;
            return chain.Build(certificate) && chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(Ca.RawData)
                && !certificate.RawData.AsSpan().SequenceEqual(Ca.RawData);
        }

        private static bool AllowsKeyEncipherment(X509Certificate2 certificate)
        {
            var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
            using var rsa = certificate.GetRSAPublicKey();
            return rsa is not null && (usage is null || usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyEncipherment));
        }
    }
}
