using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Validation;

/// <summary>
/// <see cref="IPeerCertificateResolver"/> over an <see cref="ICertificateDirectory"/> (LDAP): fetches the peer's
/// certificate by bare JID, validates it once with <see cref="CertificateValidator"/> and the CA's CRL, and caches
/// the result (bounded, with TTL; building a chain costs 56-297 µs, a directory search far more).
/// </summary>
/// <remarks>
/// Cached results are tagged with the CRL they were checked against; a new CRL invalidates them all, so a revocation
/// takes effect at the next CRL refresh at the latest (or at once through <see cref="InvalidateCrl"/>).
/// The certificates in results are shared by all callers: do not dispose them.
/// </remarks>
public sealed class PeerCertificateResolver : IPeerCertificateResolver, IDisposable
{
    private readonly ICertificateDirectory directory;
    private readonly CertificateValidator validator;
    private readonly PeerValidationOptions options;
    private readonly ILogger<PeerCertificateResolver> logger;
    private readonly TimeProvider timeProvider;
    private readonly Dictionary<string, CacheEntry> cache = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim crlGate = new(1, 1);
    private CrlState crlState = CrlState.None;

    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public PeerCertificateResolver(ICertificateDirectory directory, CertificateValidator validator, PeerValidationOptions options, ILogger<PeerCertificateResolver> logger)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        // The trust-anchor file is the caller's business: it built the validator.
        var validation = PeerValidationOptionsValidator.Check(options, includeTrustAnchorFile: false);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(PeerValidationOptions), typeof(PeerValidationOptions), validation.Failures);
        }
        this.directory = directory;
        this.validator = validator;
        this.options = options;
        this.logger = logger;
        timeProvider = validator.TimeProvider;
    }

    /// <summary>Number of cached results (valid and rejected).</summary>
    public int CachedCount
    {
        get
        {
            lock (cache)
            {
                return cache.Count;
            }
        }
    }

    public async ValueTask<PeerCertificateResult> ResolveAsync(string bareJid, CancellationToken cancellationToken)
    {
        var addressProblem = BareJid.Problem(bareJid);
        if (addressProblem is not null)
        {
            ValidationLog.BadAddress(logger, bareJid ?? "(null)", addressProblem);
            return PeerCertificateResult.Rejected(PeerCertificateStatus.Unknown, addressProblem);
        }
        var crl = await CurrentCrlAsync(cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        lock (cache)
        {
            if (cache.TryGetValue(bareJid, out var cached) && cached.ExpiresAt > now && cached.CrlGeneration == crl.Generation)
            {
                return cached.Result;
            }
        }

        PeerCertificateResult result;
        X509Certificate2? certificate;
        try
        {
            certificate = await directory.FindCertificateAsync(bareJid, cancellationToken).ConfigureAwait(false);
        }
        catch (DirectoryDataException exception)
        {
            // A broken entry is a rejection of this peer, not an outage of the directory.
            result = PeerCertificateResult.Rejected(PeerCertificateStatus.Untrusted, exception.Message);
            return Remember(bareJid, result, crl, now);
        }
        if (certificate is null)
        {
            result = PeerCertificateResult.Rejected(PeerCertificateStatus.Unknown, $"no certificate is published for '{bareJid}'");
            return Remember(bareJid, result, crl, now);
        }
        if (crl.Crl is null && options.RequireCrl)
        {
            result = PeerCertificateResult.Rejected(PeerCertificateStatus.Untrusted, $"no valid CRL is available ({crl.Problem}); revocation cannot be checked");
            ValidationLog.Rejected(logger, bareJid, result.Status.ToString(), result.Reason!);
            // Not cached: the CRL is looked for again on the next call.
            return result;
        }
        result = validator.Validate(certificate, bareJid, crl.Crl);
        return Remember(bareJid, result, crl, now);
    }

    /// <summary>Forgets the cached result for one address (e.g. on a revocation or re-enrollment event).</summary>
    public void Invalidate(string bareJid)
    {
        ArgumentNullException.ThrowIfNull(bareJid);
        lock (cache)
        {
            cache.Remove(bareJid);
        }
        ValidationLog.CacheInvalidated(logger, $"dropped {bareJid}");
    }

    /// <summary>Forgets every cached result.</summary>
    public void Clear()
    {
        lock (cache)
        {
            cache.Clear();
        }
        ValidationLog.CacheInvalidated(logger, "cleared");
    }

    /// <summary>Fetches the CRL again at the next resolution and forgets every cached result (on a revocation event).</summary>
    public void InvalidateCrl()
    {
        lock (cache)
        {
            crlState = crlState with { FetchedAt = DateTimeOffset.MinValue };
            cache.Clear();
        }
        ValidationLog.CacheInvalidated(logger, "CRL refresh forced, results cleared");
    }

    public async Task RefreshCrlAsync(CancellationToken cancellationToken)
    {
        lock (cache)
        {
            crlState = crlState with { FetchedAt = DateTimeOffset.MinValue };
        }
        await CurrentCrlAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => crlGate.Dispose();

    private PeerCertificateResult Remember(string bareJid, PeerCertificateResult result, CrlState crl, DateTimeOffset now)
    {
        DateTimeOffset expiresAt;
        if (result.IsValid)
        {
            var notAfter = new DateTimeOffset(result.Certificate!.NotAfter.ToUniversalTime());
            expiresAt = now + options.CacheTtl < notAfter ? now + options.CacheTtl : notAfter;
            ValidationLog.Accepted(logger, bareJid, result.Role!.Value.ToWire(), result.Certificate.SerialNumber, expiresAt);
        }
        else
        {
            expiresAt = now + options.NegativeCacheTtl;
            ValidationLog.Rejected(logger, bareJid, result.Status.ToString(), result.Reason ?? "no reason");
        }
        lock (cache)
        {
            if (cache.Count >= options.MaxCacheEntries && !cache.ContainsKey(bareJid))
            {
                EvictLocked(now);
            }
            cache[bareJid] = new CacheEntry(result, expiresAt, crl.Generation);
        }
        return result;
    }

    /// <summary>Drops expired entries; if none expired, the one closest to expiry (it would be fetched again soonest anyway).</summary>
    private void EvictLocked(DateTimeOffset now)
    {
        var expired = cache.Where(pair => pair.Value.ExpiresAt <= now).Select(pair => pair.Key).ToList();
        if (expired.Count > 0)
        {
            foreach (var key in expired)
            {
                cache.Remove(key);
            }
            return;
        }
        var soonest = cache.MinBy(pair => pair.Value.ExpiresAt).Key;
        cache.Remove(soonest);
    }

    private async Task<CrlState> CurrentCrlAsync(CancellationToken cancellationToken)
    {
        var state = Volatile.Read(ref crlState);
        var now = timeProvider.GetUtcNow();
        if (!NeedsRefresh(state, now))
        {
            return state;
        }
        await crlGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            state = Volatile.Read(ref crlState);
            now = timeProvider.GetUtcNow();
            if (!NeedsRefresh(state, now))
            {
                return state;
            }
            byte[]? der;
            try
            {
                der = await directory.GetCrlAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DirectoryException exception) when (exception.IsTransient && state.Crl is not null && state.Crl.IsCurrent(now, options.ClockSkew))
            {
                // The CRL in hand is still current: keep serving (cached results stay usable during a directory
                // outage) and look again after the short negative interval rather than the full refresh interval.
                ValidationLog.CrlRefreshDeferred(logger, exception.Message);
                var retryAt = now - options.CrlRefreshInterval + options.NegativeCacheTtl;
                var deferred = state with { FetchedAt = retryAt };
                lock (cache)
                {
                    crlState = deferred;
                }
                return deferred;
            }
            CrlState next;
            if (der is null)
            {
                next = Keep(state, now, "the CA has published no CRL yet");
            }
            else if (state.Crl is not null && der.AsSpan().SequenceEqual(state.Crl.Der))
            {
                next = state with { FetchedAt = now };
            }
            else
            {
                try
                {
                    var verified = VerifiedCrl.Verify(der, validator.ClusterCa, now, options.ClockSkew);
                    ValidationLog.CrlAccepted(logger, verified.Number, verified.RevokedCount, verified.ThisUpdate, verified.NextUpdate);
                    next = new CrlState(verified, now, state.Generation + 1, null);
                }
                catch (CrlRejectedException exception)
                {
                    ValidationLog.CrlRejected(logger, exception.Message);
                    next = Keep(state, now, "the published CRL was rejected: " + exception.Message);
                }
            }
            lock (cache)
            {
                crlState = next;
            }
            return next;
        }
        finally
        {
            crlGate.Release();
        }
    }

    /// <summary>Keeps the previous CRL while it is current (a forged or missing CRL must not undo revocations early).</summary>
    private CrlState Keep(CrlState previous, DateTimeOffset now, string problem)
    {
        if (previous.Crl is not null && previous.Crl.IsCurrent(now, options.ClockSkew))
        {
            return previous with { FetchedAt = now };
        }
        ValidationLog.NoUsableCrl(logger, problem);
        // A new generation: results checked against the previous (now stale) CRL must not be served any more.
        return new CrlState(null, now, previous.Generation + (previous.Crl is null ? 0 : 1), problem);
    }

    private bool NeedsRefresh(CrlState state, DateTimeOffset now) =>
        now - state.FetchedAt >= options.CrlRefreshInterval
        || (state.Crl is not null && !state.Crl.IsCurrent(now, options.ClockSkew))
        || (state.Crl is null && options.RequireCrl && now - state.FetchedAt >= options.NegativeCacheTtl);

    private sealed record CacheEntry(PeerCertificateResult Result, DateTimeOffset ExpiresAt, long CrlGeneration);

    private sealed record CrlState(VerifiedCrl? Crl, DateTimeOffset FetchedAt, long Generation, string? Problem)
    {
        public static readonly CrlState None = new(null, DateTimeOffset.MinValue, 0, "not fetched yet");
    }
}
