using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Configuration;
using CleverCloud.CertificateAuthority.State;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Scep;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.CertificateAuthority.Issuance;

/// <summary>The answer to an enrollment, renewal or poll.</summary>
public abstract record EnrollmentOutcome;

public sealed record CertificateIssued(X509Certificate2 Certificate) : EnrollmentOutcome;

public sealed record EnrollmentPending(string Reason) : EnrollmentOutcome;

public sealed record EnrollmentRejected(ScepFailInfo FailInfo, string Reason) : EnrollmentOutcome;

/// <summary>What a revocation achieved; the directory parts are retried by the periodic sync when false.</summary>
public sealed record RevocationResult(IssuedCertificate Certificate, bool CrlPublished, bool DirectoryEntryRemoved);

/// <summary>An administrative command that cannot be carried out (unknown serial, nothing to approve, ...).</summary>
public sealed class CertificateAuthorityException(string message) : Exception(message)
{
    public bool IsTransient => false;
}

/// <summary>
/// The CA's decisions, independent of SCEP framing and HTTP: challenge binding, issuance, publication, revocation,
/// CRLs. Issuance is transactional with the directory: the challenge is not consumed and nothing is recorded
/// until the certificate is published; a publication failure leaves a PENDING transaction that the
/// requester's next CertPoll completes, so nothing is half-issued or half-published.
/// </summary>
public sealed class CertificateAuthorityCore
{
    private readonly ICertificateDirectory directory;
    private readonly CertificateAuthorityOptions options;
    private readonly TimeProvider time;
    private readonly ILogger<CertificateAuthorityCore> logger;
    private readonly SemaphoreSlim crlLock = new(1, 1);

    // Challenge id → transaction currently issuing with it in this process. Only this service issues, so this
    // in-memory claim plus the pending table (claims that outlive a request) keep one challenge to one transaction.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> challengesInFlight = new();

    public CertificateAuthorityCore(
        CaCredentials credentials, CaStore store, ICertificateDirectory directory,
        IOptions<CertificateAuthorityOptions> options, TimeProvider time, ILogger<CertificateAuthorityCore> logger)
    {
        Credentials = credentials;
        Store = store;
        this.directory = directory;
        this.options = options.Value;
        this.time = time;
        this.logger = logger;
    }

    public CaCredentials Credentials { get; }

    public CaStore Store { get; }

    public CertificateAuthorityOptions Options => options;

    public string CreateChallenge(string address, AgentRole role, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        var now = time.GetUtcNow();
        var expiresAt = now + (lifetime ?? options.DefaultChallengeLifetime);
        var password = Store.CreateChallenge(address, role, now, expiresAt);
        CaLog.ChallengeCreated(logger, address, role.ToWire(), expiresAt);
        return password;
    }

    public bool Approve(string transactionId)
    {
        var approved = Store.Approve(transactionId);
        if (approved)
        {
            CaLog.Approved(logger, transactionId);
        }
        return approved;
    }

    /// <summary>PKCSReq: first enrollment, authorised by a one-time challenge bound to an address and role.</summary>
    public async Task<EnrollmentOutcome> EnrollAsync(string transactionId, byte[] signingRequest, X509Certificate2 requester, CancellationToken cancellationToken)
    {
        var csr = SigningRequestInspector.Inspect(signingRequest, requester);
        if (Store.IsKnownTransaction(transactionId))
        {
            // A client repeating its PKCSReq (lost reply, certmonger resubmission) is answered like a poll.
            return await PollAsync(transactionId, requester, cancellationToken).ConfigureAwait(false);
        }
        if (string.IsNullOrEmpty(csr.ChallengePassword))
        {
            return Reject(transactionId, ScepFailInfo.BadRequest, "the CSR carries no challengePassword");
        }
        var requestedAddress = csr.XmppAddresses.FirstOrDefault() ?? csr.CommonName;
        if (requestedAddress is null)
        {
            return Reject(transactionId, ScepFailInfo.BadRequest, "the CSR names no address (neither CN nor id-on-xmppAddr)");
        }
        var now = time.GetUtcNow();
        var (check, binding) = Store.CheckChallenge(csr.ChallengePassword, transactionId, now,
            candidate => RequestMatches(csr, candidate.Address, candidate.Role));
        if (check == ChallengeCheck.Reserved && binding is not null
            && !challengesInFlight.TryAdd(binding.Id, transactionId) && challengesInFlight.GetValueOrDefault(binding.Id) != transactionId)
        {
            check = ChallengeCheck.InUseByAnotherTransaction;
        }
        if (check != ChallengeCheck.Reserved || binding is null)
        {
            CaLog.ChallengeRefused(logger, transactionId, check.ToString(), requestedAddress);
            return Reject(transactionId, ScepFailInfo.BadRequest, check switch
            {
                ChallengeCheck.Unknown => "unknown challenge password",
                ChallengeCheck.Expired => "the challenge password has expired",
                ChallengeCheck.AlreadyUsed => "the challenge password was already used",
                ChallengeCheck.InUseByAnotherTransaction => "the challenge password is in use by another transaction",
                ChallengeCheck.BindingMismatch => $"the challenge does not allow address '{requestedAddress}' with role '{csr.RequestedRole?.ToWire() ?? "-"}'",
                _ => "challenge refused",
            });
        }
        try
        {
            var pending = new PendingRequest(
                transactionId, RequestKind.Enrollment,
                options.ManualApproval ? PendingState.AwaitingApproval : PendingState.Approved,
                binding.Address, binding.Role, signingRequest, requester.RawData, binding.Id, now);
            if (options.ManualApproval)
            {
                Store.SavePending(pending);
                CaLog.AwaitingApproval(logger, transactionId, binding.Address);
                return new EnrollmentPending("awaiting administrator approval");
            }
            return await IssueAndPublishAsync(pending, csr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            challengesInFlight.TryRemove(new KeyValuePair<string, string>(binding.Id, transactionId));
        }
    }

    /// <summary>RenewalReq: signed with a valid, unrevoked certificate we issued; same address and role.</summary>
    public async Task<EnrollmentOutcome> RenewAsync(string transactionId, byte[] signingRequest, X509Certificate2 currentCertificate, CancellationToken cancellationToken)
    {
        var csr = SigningRequestInspector.Inspect(signingRequest);
        if (Store.FindPending(transactionId) is not null)
        {
            return await PollAsync(transactionId, currentCertificate, cancellationToken).ConfigureAwait(false);
        }
        var current = Store.FindBySerial(currentCertificate.SerialNumber);
        if (current is null || !current.Der.AsSpan().SequenceEqual(currentCertificate.RawData))
        {
            return Reject(transactionId, ScepFailInfo.BadCertId, "the renewal is not signed by a certificate this CA issued");
        }
        var now = time.GetUtcNow();
        if (current.RevokedAt is not null)
        {
            return Reject(transactionId, ScepFailInfo.BadRequest, $"certificate {current.Serial} is revoked");
        }
        if (now < current.NotBefore || now > current.NotAfter)
        {
            return Reject(transactionId, ScepFailInfo.BadTime, $"certificate {current.Serial} is not valid now");
        }
        if (!RequestMatches(csr, current.Address, current.Role))
        {
            return Reject(transactionId, ScepFailInfo.BadRequest, $"a renewal must keep address '{current.Address}' and role '{current.Role.ToWire()}'");
        }
        var pending = new PendingRequest(transactionId, RequestKind.Renewal, PendingState.Approved, current.Address, current.Role,
            signingRequest, currentCertificate.RawData, ChallengeId: null, now);
        return await IssueAndPublishAsync(pending, csr, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>CertPoll: finish a pending transaction when it may be, or repeat an already issued certificate.</summary>
    public async Task<EnrollmentOutcome> PollAsync(string transactionId, X509Certificate2 requester, CancellationToken cancellationToken)
    {
        var pending = Store.FindPending(transactionId);
        if (pending is null)
        {
            var issued = Store.FindByTransaction(transactionId);
            return issued is null
                ? Reject(transactionId, ScepFailInfo.BadCertId, "no transaction with this transactionID")
                : new CertificateIssued(X509CertificateLoader.LoadCertificate(issued.Der));
        }
        using var original = X509CertificateLoader.LoadCertificate(pending.RequesterCertificate);
        if (!original.PublicKey.EncodedKeyValue.RawData.AsSpan().SequenceEqual(requester.PublicKey.EncodedKeyValue.RawData))
        {
            return Reject(transactionId, ScepFailInfo.BadMessageCheck, "the poll is not signed by the key that made the request");
        }
        if (pending.State == PendingState.AwaitingApproval)
        {
            return new EnrollmentPending("awaiting administrator approval");
        }
        var csr = SigningRequestInspector.Inspect(pending.SigningRequest);
        if (pending.ChallengeId is null)
        {
            return await IssueAndPublishAsync(pending, csr, cancellationToken).ConfigureAwait(false);
        }
        if (!challengesInFlight.TryAdd(pending.ChallengeId, transactionId))
        {
            return new EnrollmentPending("a poll of this transaction is already being processed");
        }
        try
        {
            return await IssueAndPublishAsync(pending, csr, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            challengesInFlight.TryRemove(new KeyValuePair<string, string>(pending.ChallengeId, transactionId));
        }
    }

    public IssuedCertificate? FindCertificate(string serialHex) => Store.FindBySerial(serialHex);

    /// <summary>The current CRL (signing a first one when none exists yet).</summary>
    public async Task<byte[]> GetCrlAsync(CancellationToken cancellationToken) =>
        Store.LoadCrl() ?? await RefreshCrlAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Signs a new CRL, stores it and publishes it; a publication failure is logged and left to the sync.</summary>
    public async Task<byte[]> RefreshCrlAsync(CancellationToken cancellationToken)
    {
        var crl = await SignCrlAsync(cancellationToken).ConfigureAwait(false);
        await TryPublishCrlAsync(crl, cancellationToken).ConfigureAwait(false);
        return crl;
    }

    /// <summary>
    /// Records the revocation, re-signs and publishes the CRL, and removes the directory entry when it still holds
    /// this certificate.
    /// </summary>
    public async Task<RevocationResult> RevokeAsync(string serialHex, X509RevocationReason reason, CancellationToken cancellationToken)
    {
        var serial = serialHex.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant();
        var record = Store.FindBySerial(serial) ?? throw new CertificateAuthorityException($"No certificate with serial {serial} was issued by this CA.");
        if (!Store.Revoke(serial, reason.ToString(), time.GetUtcNow()))
        {
            throw new CertificateAuthorityException($"Certificate {serial} is already revoked.");
        }
        CaLog.Revoked(logger, serial, record.Address, reason.ToString());
        var crl = await SignCrlAsync(cancellationToken).ConfigureAwait(false);
        var crlPublished = await TryPublishCrlAsync(crl, cancellationToken).ConfigureAwait(false);
        var removed = await TryUnpublishAsync(record, cancellationToken).ConfigureAwait(false);
        return new RevocationResult(Store.FindBySerial(serial)!, crlPublished, removed);
    }

    /// <summary>Revokes every unrevoked certificate of an address.</summary>
    public async Task<IReadOnlyList<RevocationResult>> RevokeAddressAsync(string address, X509RevocationReason reason, CancellationToken cancellationToken)
    {
        var active = Store.FindByAddress(address).Where(certificate => certificate.RevokedAt is null).ToList();
        if (active.Count == 0)
        {
            throw new CertificateAuthorityException($"No unrevoked certificate was issued to {address}.");
        }
        var results = new List<RevocationResult>();
        foreach (var certificate in active)
        {
            results.Add(await RevokeAsync(certificate.Serial, reason, cancellationToken).ConfigureAwait(false));
        }
        return results;
    }

    /// <summary>Removes revoked certificates still present in the directory and, when asked, re-publishes the stored CRL.</summary>
    public async Task SyncDirectoryAsync(bool republishCrl, CancellationToken cancellationToken)
    {
        if (republishCrl && Store.LoadCrl() is { } crl)
        {
            await TryPublishCrlAsync(crl, cancellationToken).ConfigureAwait(false);
        }
        foreach (var revoked in Store.ListRevokedStillPublished())
        {
            await TryUnpublishAsync(revoked, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool RequestMatches(InspectedSigningRequest csr, string address, AgentRole role)
    {
        // The bound address decides the certificate; the CSR may name it (CN, SAN) but must not name another one.
        if (csr.CommonName is not null && !string.Equals(csr.CommonName, address, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        if (csr.XmppAddresses.Any(candidate => !string.Equals(candidate, address, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }
        return csr.RequestedRole is null || csr.RequestedRole == role;
    }

    private async Task<EnrollmentOutcome> IssueAndPublishAsync(PendingRequest pending, InspectedSigningRequest csr, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var certificate = CertificateProfile.Issue(
            Credentials, pending.Address, pending.Role, csr.PublicKey, csr.IsRsaKey, now, options.CertificateValidity, options.CrlDistributionUrl);
        try
        {
            await directory.PublishCertificateAsync(pending.Address, pending.Role, certificate, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Whatever the directory's failure, the certificate is discarded unissued; the request waits as PENDING.
            CaLog.DirectoryPublishFailed(logger, pending.TransactionId, pending.Address, exception);
            Store.SavePending(pending with { State = PendingState.AwaitingDirectory });
            certificate.Dispose();
            return new EnrollmentPending("the certificate directory is unavailable; poll again later");
        }
        var record = new IssuedCertificate(
            certificate.SerialNumber, pending.Address, pending.Role,
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime()), new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
            certificate.RawData, pending.TransactionId, RevokedAt: null, RevocationReason: null);
        bool committed;
        try
        {
            committed = await Store.CommitIssuanceAsync(record, pending.ChallengeId, now).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Not recorded (the store's failure, or a store shutting down): the published certificate must not stay.
            await RollBackPublicationAsync(pending, cancellationToken).ConfigureAwait(false);
            certificate.Dispose();
            throw;
        }
        if (!committed)
        {
            await RollBackPublicationAsync(pending, cancellationToken).ConfigureAwait(false);
            certificate.Dispose();
            return Reject(pending.TransactionId, ScepFailInfo.BadRequest, "the challenge password was consumed by a concurrent request");
        }
        CaLog.Issued(logger, record.Serial, record.Address, record.Role.ToWire(), record.TransactionId, pending.Kind.ToString(), certificate.NotAfter.ToUniversalTime());
        return new CertificateIssued(certificate);
    }

    private async Task RollBackPublicationAsync(PendingRequest pending, CancellationToken cancellationToken)
    {
        CaLog.CommitFailedRolledBack(logger, pending.TransactionId, pending.Address);
        var previous = Store.FindByAddress(pending.Address)
            .LastOrDefault(certificate => certificate.RevokedAt is null && certificate.NotAfter > time.GetUtcNow());
        try
        {
            if (previous is null)
            {
                await directory.RemoveCertificateAsync(pending.Address, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using var restored = X509CertificateLoader.LoadCertificate(previous.Der);
                await directory.PublishCertificateAsync(previous.Address, previous.Role, restored, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            CaLog.RollbackFailed(logger, pending.TransactionId, pending.Address, exception);
        }
    }

    private async Task<byte[]> SignCrlAsync(CancellationToken cancellationToken)
    {
        await crlLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var builder = new CertificateRevocationListBuilder();
            var revoked = Store.ListRevoked();
            foreach (var entry in revoked)
            {
                var reason = Enum.TryParse<X509RevocationReason>(entry.RevocationReason, out var parsed) ? parsed : X509RevocationReason.Unspecified;
                builder.AddEntry(Convert.FromHexString(entry.Serial), entry.RevokedAt!.Value, reason);
            }
            var now = time.GetUtcNow();
            var nextUpdate = now + options.CrlValidity;
            var number = Store.NextCrlNumber();
            var crl = builder.Build(
                Credentials.CaCertificate.SubjectName, Credentials.CaSignatureGenerator, new BigInteger(number), nextUpdate,
                System.Security.Cryptography.HashAlgorithmName.SHA256,
                X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Credentials.CaCertificate, true, false), now);
            Store.SaveCrl(crl);
            CaLog.CrlSigned(logger, number, revoked.Count, nextUpdate);
            return crl;
        }
        finally
        {
            crlLock.Release();
        }
    }

    private async Task<bool> TryPublishCrlAsync(byte[] crl, CancellationToken cancellationToken)
    {
        try
        {
            await directory.PublishCrlAsync(crl, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            CaLog.DirectorySyncFailed(logger, "CRL", exception);
            return false;
        }
    }

    private async Task<bool> TryUnpublishAsync(IssuedCertificate revoked, CancellationToken cancellationToken)
    {
        try
        {
            using var published = await directory.FindCertificateAsync(revoked.Address, cancellationToken).ConfigureAwait(false);
            if (published is not null && string.Equals(published.SerialNumber, revoked.Serial, StringComparison.OrdinalIgnoreCase))
            {
                await directory.RemoveCertificateAsync(revoked.Address, cancellationToken).ConfigureAwait(false);
                CaLog.Unpublished(logger, revoked.Serial, revoked.Address);
            }
            Store.MarkUnpublished(revoked.Serial, time.GetUtcNow());
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            CaLog.DirectorySyncFailed(logger, $"removal of {revoked.Serial}", exception);
            return false;
        }
    }

    // Logged once, by the SCEP layer, which knows the message type.
    private static EnrollmentRejected Reject(string transactionId, ScepFailInfo failInfo, string reason) =>
        new(failInfo, $"{reason} (transaction {transactionId})");
}
