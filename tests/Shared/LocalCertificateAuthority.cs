using CleverCloud.CertificateAuthority.Hosting;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.TestSupport.Ldap;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CleverCloud.TestSupport.Identity;

/// <summary>
/// The cluster CA as the end-to-end tests run it: the real clever-ca web host, in process, on a random loopback port,
/// publishing to a real slapd. Compiled into the test projects that reference the CA (linked source), so that
/// TestSupport itself stays free of the CA's web stack.
/// </summary>
public sealed class LocalCertificateAuthority : IAsyncDisposable
{
    private readonly WebApplication _host;

    private LocalCertificateAuthority(WebApplication host, Uri scepEndpoint, CertificateAuthorityCore core, string caCertificateFile)
    {
        _host = host;
        ScepEndpoint = scepEndpoint;
        Core = core;
        CaCertificateFile = caCertificateFile;
    }

    /// <summary>The SCEP endpoint (…/scep).</summary>
    public Uri ScepEndpoint { get; }

    /// <summary>The CA itself, for challenges and revocations without going through HTTP.</summary>
    public CertificateAuthorityCore Core { get; }

    /// <summary>The CA certificate as PEM in the work directory: what agents take as their trust anchor.</summary>
    public string CaCertificateFile { get; }

    /// <summary>Starts a CA whose state lives in <paramref name="workDirectory"/>/ca.</summary>
    public static async Task<LocalCertificateAuthority> StartAsync(string workDirectory, SlapdServer slapd, string keyPassword)
    {
        var settings = new Dictionary<string, string>
        {
            ["CertificateAuthority:StateDirectory"] = Path.Combine(workDirectory, "ca"),
            ["CertificateAuthority:KeyPassword"] = keyPassword,
            // The minimum the CA accepts: key encryption at rest is tested elsewhere, here it only costs time.
            ["CertificateAuthority:KeyEncryptionIterations"] = "100000",
            ["CertificateAuthority:Url"] = "http://127.0.0.1:0",
            ["Ldap:Uri"] = slapd.Uri,
            ["Ldap:BaseDn"] = slapd.BaseDn,
            ["Ldap:BindDn"] = slapd.BindDn,
            ["Ldap:BindPassword"] = slapd.BindPassword,
            ["Ldap:OperationTimeout"] = "00:00:30",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var host = CaHost.Build(null, settings.Select(pair => $"--{pair.Key}={pair.Value}").ToList());
        await host.StartAsync();
        var scep = new Uri(new Uri(CaHost.ListeningAddresses(host).Single()), "/scep");
        var core = host.Services.GetRequiredService<CertificateAuthorityCore>();
        var caCertificateFile = Path.Combine(workDirectory, "cluster-ca.pem");
        await File.WriteAllTextAsync(caCertificateFile, core.Credentials.CaCertificate.ExportCertificatePem());
        return new LocalCertificateAuthority(host, scep, core, caCertificateFile);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
        // The CA's SQLite pool keeps the state file open otherwise, and the work directory is deleted next.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
