using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.Identity.Scep;
using Microsoft.Extensions.Logging;

namespace CleverCloud.CertificateAuthority.Scep;

/// <summary>An HTTP answer to a SCEP operation: status, media type, body.</summary>
public sealed record ScepHttpReply(int StatusCode, string ContentType, byte[] Body)
{
    public static ScepHttpReply Error(int statusCode, string message) =>
        new(statusCode, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(message + "\n"));
}

/// <summary>
/// RFC 8894 server side: unwraps a pkiMessage (signature, then RA decryption), hands the request to the
/// <see cref="CertificateAuthorityCore"/> and wraps the outcome as a signed CertRep. Anything that is not a
/// parsable pkiMessage gets HTTP 400 (no CertRep can be addressed without one); everything else gets a CertRep.
/// </summary>
public sealed class ScepOperationProcessor(CertificateAuthorityCore core, ILogger<ScepOperationProcessor> logger)
{
    public const string CapabilitiesText = "POSTPKIOperation\nSHA-256\nSHA-512\nAES\nSCEPStandard\nRenewal\n";

    private readonly byte[] caCertificates = DegeneratePkcs7.Encode([core.Credentials.CaCertificate, core.Credentials.RaCertificate]);

    /// <summary>GetCACert answer: the CA then the RA certificate, as application/x-x509-ca-ra-cert.</summary>
    public ScepHttpReply GetCaCertificates() => new(200, ScepMediaTypes.CaRaCertificates, caCertificates);

    public static ScepHttpReply GetCapabilities() =>
        new(200, ScepMediaTypes.Capabilities, System.Text.Encoding.ASCII.GetBytes(CapabilitiesText));

    public async Task<ScepHttpReply> ProcessAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ScepPkiMessage request;
        try
        {
            request = ScepPkiMessage.Decode(message.Span);
        }
        catch (ScepFormatException exception)
        {
            CaLog.HttpRefused(logger, 400, exception.Message);
            return ScepHttpReply.Error(400, exception.Message);
        }
        var (status, failInfo, content) = await HandleAsync(request, cancellationToken).ConfigureAwait(false);
        var reply = new ScepPkiMessage
        {
            MessageType = ScepMessageType.CertRep,
            TransactionId = request.TransactionId,
            SenderNonce = ScepPkiMessage.NewNonce(),
            RecipientNonce = request.SenderNonce,
            PkiStatus = status,
            FailInfo = failInfo,
            Content = content,
        };
        var (signerCertificate, signerKey) = ChooseReplySigner(request.SignerCertificate);
        return new ScepHttpReply(200, ScepMediaTypes.PkiMessage, reply.Encode(signerCertificate, signerKey));
    }

    private async Task<(ScepPkiStatus Status, ScepFailInfo? FailInfo, byte[] Content)> HandleAsync(ScepPkiMessage request, CancellationToken cancellationToken)
    {
        EnrollmentOutcome outcome;
        X509Certificate2? requester = null;
        try
        {
            request.VerifySignature();
            requester = request.SignerCertificate!;
            CheckRequesterKey(requester);
            if (request.SenderNonce.Length == 0)
            {
                throw new ScepMessageException(ScepFailInfo.BadRequest, "the request has no senderNonce");
            }
            var payload = DecryptForCa(request.Content);
            outcome = request.MessageType switch
            {
                ScepMessageType.PkcsReq => await core.EnrollAsync(request.TransactionId, payload, requester, cancellationToken).ConfigureAwait(false),
                ScepMessageType.RenewalReq => await core.RenewAsync(request.TransactionId, payload, requester, cancellationToken).ConfigureAwait(false),
                ScepMessageType.CertPoll => await PollAsync(request.TransactionId, payload, requester, cancellationToken).ConfigureAwait(false),
                ScepMessageType.GetCert => GetCertificate(payload),
                ScepMessageType.GetCrl => new CrlOutcome(await core.GetCrlAsync(cancellationToken).ConfigureAwait(false)),
                _ => throw new ScepMessageException(ScepFailInfo.BadRequest, $"{request.MessageType} is not a request"),
            };
        }
        catch (ScepMessageException exception)
        {
            outcome = new EnrollmentRejected(exception.FailInfo, exception.Message);
        }
        switch (outcome)
        {
            case CertificateIssued issued:
                using (issued.Certificate)
                {
                    var degenerate = DegeneratePkcs7.Encode([issued.Certificate]);
                    return (ScepPkiStatus.Success, null, ScepEnvelope.Encrypt(degenerate, requester!));
                }
            case CrlOutcome crl:
                return (ScepPkiStatus.Success, null, ScepEnvelope.Encrypt(DegeneratePkcs7.Encode([], [crl.Crl]), requester!));
            case EnrollmentPending pending:
                CaLog.AnsweredPending(logger, request.TransactionId, request.MessageType.ToString(), pending.Reason);
                return (ScepPkiStatus.Pending, null, []);
            case EnrollmentRejected rejected:
                CaLog.Rejected(logger, rejected.FailInfo.ToString(), request.TransactionId, request.MessageType.ToString(), rejected.Reason);
                return (ScepPkiStatus.Failure, rejected.FailInfo, []);
            default:
                throw new InvalidOperationException($"Unhandled outcome {outcome.GetType().Name}.");
        }
    }

    private async Task<EnrollmentOutcome> PollAsync(string transactionId, byte[] issuerAndSubject, X509Certificate2 requester, CancellationToken cancellationToken)
    {
        try
        {
            var reader = new AsnReader(issuerAndSubject, AsnEncodingRules.BER).ReadSequence();
            var issuer = new X500DistinguishedName(reader.ReadEncodedValue().Span);
            if (!issuer.RawData.AsSpan().SequenceEqual(core.Credentials.CaCertificate.SubjectName.RawData))
            {
                return new EnrollmentRejected(ScepFailInfo.BadCertId, "the poll names another issuer");
            }
        }
        catch (Exception exception) when (exception is AsnContentException or CryptographicException)
        {
            return new EnrollmentRejected(ScepFailInfo.BadRequest, "CertPoll content is not an IssuerAndSubject");
        }
        return await core.PollAsync(transactionId, requester, cancellationToken).ConfigureAwait(false);
    }

    private EnrollmentOutcome GetCertificate(byte[] issuerAndSerial)
    {
        string serial;
        try
        {
            var reader = new AsnReader(issuerAndSerial, AsnEncodingRules.BER).ReadSequence();
            reader.ReadEncodedValue();
            serial = Convert.ToHexString(reader.ReadIntegerBytes().Span);
        }
        catch (AsnContentException)
        {
            return new EnrollmentRejected(ScepFailInfo.BadRequest, "GetCert content is not an IssuerAndSerialNumber");
        }
        var found = core.FindCertificate(serial);
        return found is null
            ? new EnrollmentRejected(ScepFailInfo.BadCertId, $"no certificate with serial {serial}")
            : new CertificateIssued(X509CertificateLoader.LoadCertificate(found.Der));
    }

    private byte[] DecryptForCa(byte[] enveloped)
    {
        var credentials = core.Credentials;
        try
        {
            return ScepEnvelope.Decrypt(enveloped, credentials.RaCertificate, credentials.RaKey);
        }
        catch (ScepMessageException exception) when (exception.FailInfo == ScepFailInfo.BadCertId && credentials.CaKey is RSA caRsa)
        {
            // An RSA CA may be addressed directly by clients that ignore the RA certificate.
            return ScepEnvelope.Decrypt(enveloped, credentials.CaCertificate, caRsa);
        }
    }

    private static void CheckRequesterKey(X509Certificate2 requester)
    {
        using var rsa = requester.GetRSAPublicKey();
        using var ec = rsa is null ? requester.GetECDsaPublicKey() : null;
        if (rsa is null && ec is null)
        {
            throw new ScepMessageException(ScepFailInfo.BadAlg, $"the signer's {requester.PublicKey.Oid.Value} key cannot receive an encrypted reply");
        }
    }

    private (X509Certificate2 Certificate, AsymmetricAlgorithm Key) ChooseReplySigner(X509Certificate2? requester)
    {
        var credentials = core.Credentials;
        // RSA requesters (certmonger, most SCEP clients) expect an RSA-signed reply from the RA. EC requesters are our
        // own client, which accepts the pinned CA itself as signer: an ECDSA signature costs far less than an RSA one.
        using var requesterEc = requester?.GetECDsaPublicKey();
        return requesterEc is not null && credentials.CaKey is ECDsa
            ? (credentials.CaCertificate, credentials.CaKey)
            : (credentials.RaCertificate, credentials.RaKey);
    }

    private sealed record CrlOutcome(byte[] Crl) : EnrollmentOutcome;
}
