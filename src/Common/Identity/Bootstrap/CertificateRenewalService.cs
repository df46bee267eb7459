using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Identity.Bootstrap;

/// <summary>
/// Loads or enrolls the agent's identity at start (in <see cref="StartAsync"/>, so later hosted services find it
/// ready), then renews the certificate when <see cref="IdentityOptions.RenewalFraction"/> of its lifetime has passed,
/// retrying failures with jittered exponential backoff. Each renewal replaces the keystore atomically and raises
/// <see cref="AgentIdentityProvider.IdentityChanged"/> so the messaging layer switches keys. If the certificate
/// expires without a successful renewal, the service fails, which stops the host: an agent without a valid
/// identity must not limp on.
/// </summary>
public sealed class CertificateRenewalService : BackgroundService
{
    /// <summary>Task.Delay cannot wait longer than ~49 days at once; long waits are done in steps.</summary>
    private static readonly TimeSpan LongestSingleWait = TimeSpan.FromDays(1);

    private readonly IdentityBootstrapper bootstrapper;
    private readonly AgentIdentityProvider provider;
    private readonly IdentityOptions options;
    private readonly ILogger<CertificateRenewalService> logger;
    private readonly TimeProvider timeProvider;

    public CertificateRenewalService(IdentityBootstrapper bootstrapper, AgentIdentityProvider provider, IdentityOptions options, ILogger<CertificateRenewalService> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(bootstrapper);
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        this.bootstrapper = bootstrapper;
        this.provider = provider;
        this.options = options;
        this.logger = logger;
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!provider.IsLoaded)
        {
            provider.Set(await bootstrapper.LoadOrEnrollAsync(cancellationToken).ConfigureAwait(false));
        }
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var current = provider.Current;
            var renewAt = current.RenewalTime(options.RenewalFraction);
            BootstrapLog.RenewalScheduled(logger, current.XmppAddress, renewAt, current.NotAfter);
            await WaitUntilAsync(renewAt, stoppingToken).ConfigureAwait(false);
            var renewed = await RenewWithRetryAsync(current, stoppingToken).ConfigureAwait(false);
            provider.Set(renewed);
        }
    }

    private async Task<AgentIdentity> RenewWithRetryAsync(AgentIdentity current, CancellationToken stoppingToken)
    {
        var delay = options.RenewalRetryMin;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await bootstrapper.RenewAsync(current, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is EnrollmentException or Keystore.KeystoreException or IdentityBootstrapException)
            {
                var now = timeProvider.GetUtcNow();
                if (now >= current.NotAfter)
                {
                    BootstrapLog.ExpiredWithoutRenewal(logger, current.XmppAddress, current.NotAfter);
                    throw;
                }
                // ±20 % jitter so a cluster whose certificates were issued together does not renew in lockstep.
                var jittered = delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
                var untilExpiry = current.NotAfter - now;
                var wait = jittered < untilExpiry ? jittered : untilExpiry;
                var transient = exception is EnrollmentException { IsTransient: true } or Keystore.KeystoreException { IsTransient: true };
                BootstrapLog.RenewalFailed(logger, attempt, transient, wait, exception);
                await Task.Delay(wait, timeProvider, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.RenewalRetryMax.Ticks));
            }
        }
    }

    private async Task WaitUntilAsync(DateTimeOffset moment, CancellationToken stoppingToken)
    {
        while (true)
        {
            var remaining = moment - timeProvider.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }
            await Task.Delay(remaining < LongestSingleWait ? remaining : LongestSingleWait, timeProvider, stoppingToken).ConfigureAwait(false);
        }
    }
}
