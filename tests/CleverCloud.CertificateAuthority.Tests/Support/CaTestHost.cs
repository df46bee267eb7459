using CleverCloud.CertificateAuthority.Hosting;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.CertificateAuthority.State;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Scep;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.CertificateAuthority.Tests.Support;

/// <summary>The real CA web host, in-process, on a free loopback port with a private state directory.</summary>
internal sealed class CaTestHost : IAsyncDisposable
{
    public const string KeyPassword = "test-ca-key-password";

    private readonly WebApplication app;

    private CaTestHost(WebApplication app, string stateDirectory)
    {
        this.app = app;
        StateDirectory = stateDirectory;
        BaseUri = new Uri(CaHost.ListeningAddresses(app).Single());
        Core = app.Services.GetRequiredService<CertificateAuthorityCore>();
    }

    public static HttpClient Http { get; } = new() { Timeout = TimeSpan.FromMinutes(2) };

    public Uri BaseUri { get; }

    public Uri Endpoint => new(BaseUri, "/scep");

    public string StateDirectory { get; }

    public CertificateAuthorityCore Core { get; }

    public CaStore Store => Core.Store;

    /// <summary>
    /// Starts a CA. <paramref name="directory"/> replaces the LDAP directory (unit tests); null keeps the real
    /// LDAP class configured by <paramref name="settings"/> (Ldap:Uri, Ldap:BaseDn, ...).
    /// </summary>
    public static async Task<CaTestHost> StartAsync(ICertificateDirectory? directory, IDictionary<string, string>? settings = null)
    {
        var stateDirectory = Path.Combine(Path.GetTempPath(), "clever-ca-test-" + Guid.NewGuid().ToString("N")[..12]);
        var configuration = new Dictionary<string, string>
        {
            ["CertificateAuthority:StateDirectory"] = stateDirectory,
            ["CertificateAuthority:KeyPassword"] = KeyPassword,
            ["CertificateAuthority:KeyEncryptionIterations"] = "100000",
            ["CertificateAuthority:Url"] = "http://127.0.0.1:0",
            ["Ldap:Uri"] = "ldap://127.0.0.1:9",
            ["Ldap:BaseDn"] = "dc=clevercloud,dc=test",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            configuration[key] = value;
        }
        var app = CaHost.Build(null, configuration.Select(pair => $"--{pair.Key}={pair.Value}").ToList(), services =>
        {
            if (directory is not null)
            {
                services.Replace(ServiceDescriptor.Singleton(directory));
            }
        });
        await app.StartAsync().ConfigureAwait(false);
        return new CaTestHost(app, stateDirectory);
    }

    public ScepClient CreateClient() =>
        new(Http, Endpoint, NullLogger<ScepClient>.Instance) { TrustAnchor = ScepTrustAnchor.FromCertificate(Core.Credentials.CaCertificate) };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(StateDirectory, recursive: true);
    }
}
