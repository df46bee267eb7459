using CleverCloud.CertificateAuthority.Configuration;
using CleverCloud.CertificateAuthority.Issuance;
using Microsoft.Extensions.Options;

namespace CleverCloud.CertificateAuthority.Hosting;

/// <summary>
/// Re-signs the CRL every <see cref="CertificateAuthorityOptions.CrlRefreshInterval"/> (well before nextUpdate) and
/// retries directory publications that failed earlier (CRL, removal of revoked entries).
/// </summary>
public sealed class CrlRefreshService(
    CertificateAuthorityCore core, IOptions<CertificateAuthorityOptions> options, TimeProvider time, ILogger<CrlRefreshService> logger)
    : BackgroundService
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.CrlRefreshInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = interval;
            try
            {
                await core.RefreshCrlAsync(stoppingToken).ConfigureAwait(false);
                await core.SyncDirectoryAsync(republishCrl: false, stoppingToken).ConfigureAwait(false);
            }
            catch (Microsoft.Data.Sqlite.SqliteException exception)
            {
                // The state database is busy or damaged: try again soon rather than leave the CRL to expire.
                delay = interval < RetryAfterFailure ? interval : RetryAfterFailure;
                CaLog.CrlRefreshFailed(logger, delay, exception);
            }
            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
        }
    }
}
