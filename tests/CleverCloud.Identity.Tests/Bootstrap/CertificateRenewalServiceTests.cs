using CleverCloud.Identity.Bootstrap;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Keystore;
using CleverCloud.Identity.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Tests.Bootstrap;

[TestFixture]
public sealed class CertificateRenewalServiceTests
{
    /// <summary>Generous: CI is a loaded 2-core machine. Only an upper bound for a hang, never a timing assertion.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private TestPki pki = null!;
    private string directory = null!;

    [OneTimeSetUp]
    public void CreatePki() => pki = new TestPki();

    [OneTimeTearDown]
    public void DisposePki() => pki.Dispose();

    [SetUp]
    public void CreateDirectory()
    {
        directory = Path.Combine(Path.GetTempPath(), "clever-renewal-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "ca.pem"), pki.PublicCertificate.ExportCertificatePem());
    }

    [TearDown]
    public void RemoveDirectory() => System.IO.Directory.Delete(directory, recursive: true);

    /// <summary>A keystore whose certificate is past its renewal point (2/3 of its life) but still valid.</summary>
    private void SaveDueKeystore(IdentityOptions options)
    {
        var now = DateTimeOffset.UtcNow;
        using var due = pki.Issue(options.XmppAddress, options.Role, now.AddHours(-1), now.AddMinutes(10));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(options.KeystorePath)!);
        new Pkcs12Keystore(options.KeystorePath, options.KeystorePassword!, NullLogger<Pkcs12Keystore>.Instance).Save(due, [pki.PublicCertificate]);
    }

    [Test]
    public async Task Due_certificate_is_renewed_the_keystore_replaced_and_the_change_announced()
    {
        var options = IdentityBootstrapperTests.Options(directory);
        SaveDueKeystore(options);
        var enroller = new TestPkiEnroller(pki) { TransientFailures = 1 };
        var provider = new AgentIdentityProvider();
        var changes = new List<AgentIdentityChangedEventArgs>();
        var renewed = new TaskCompletionSource<AgentIdentityChangedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.IdentityChanged += (_, change) =>
        {
            lock (changes)
            {
                changes.Add(change);
            }
            if (change.Previous is not null)
            {
                renewed.TrySetResult(change);
            }
        };
        var service = new CertificateRenewalService(new IdentityBootstrapper(options, enroller), provider, options, NullLogger<CertificateRenewalService>.Instance);

        await service.StartAsync(CancellationToken.None);
        var loadedSerial = provider.Current.Certificate.SerialNumber;
        var change = await renewed.Task.WaitAsync(Patience);
        await service.StopAsync(CancellationToken.None);

        Assert.That(change.Previous!.Certificate.SerialNumber, Is.EqualTo(loadedSerial));
        Assert.That(change.Current.Certificate.SerialNumber, Is.Not.EqualTo(loadedSerial));
        Assert.That(provider.Current, Is.SameAs(change.Current));
        Assert.That(enroller.Renewals, Is.EqualTo(2), "one transient failure, then success");
        Assert.That(enroller.Enrollments, Is.Zero);
        using var onDisk = new Pkcs12Keystore(options.KeystorePath, options.KeystorePassword!, NullLogger<Pkcs12Keystore>.Instance).Load();
        Assert.That(onDisk.Certificate.RawData, Is.EqualTo(change.Current.Certificate.RawData));
        Assert.That(change.Current.Certificate.GetPublicKey(), Is.Not.EqualTo(change.Previous.Certificate.GetPublicKey()), "renewal uses a new key");
    }

    [Test]
    public async Task Certificate_not_yet_due_is_loaded_and_left_alone()
    {
        var options = IdentityBootstrapperTests.Options(directory);
        var enroller = new TestPkiEnroller(pki);
        var provider = new AgentIdentityProvider();
        var service = new CertificateRenewalService(new IdentityBootstrapper(options, enroller), provider, options, NullLogger<CertificateRenewalService>.Instance);

        await service.StartAsync(CancellationToken.None);
        await service.StopAsync(CancellationToken.None);

        Assert.That(provider.IsLoaded, Is.True);
        Assert.That(enroller.Enrollments, Is.EqualTo(1));
        Assert.That(enroller.Renewals, Is.Zero);
    }

    [Test]
    public async Task AddAgentIdentity_binds_configuration_and_loads_the_identity_at_host_start()
    {
        var options = IdentityBootstrapperTests.Options(directory);
        // A keystore that is not due: the host must start from it without talking to the (absent) SCEP server.
        using (var identity = await new IdentityBootstrapper(options, new TestPkiEnroller(pki)).LoadOrEnrollAsync(CancellationToken.None))
        {
        }
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Identity:XmppAddress"] = options.XmppAddress,
            ["Identity:Role"] = "HostManager",
            ["Identity:KeystorePath"] = options.KeystorePath,
            ["Identity:KeystorePassword"] = options.KeystorePassword,
            ["Identity:ScepUrl"] = options.ScepUrl,
            ["Identity:CaCertificateFile"] = options.CaCertificateFile,
            ["Identity:KeyAlgorithm"] = "Rsa2048",
        });
        builder.Services.AddAgentIdentity(builder.Configuration.GetSection("Identity"));
        using var host = builder.Build();

        await host.StartAsync(CancellationToken.None);
        var provider = host.Services.GetRequiredService<AgentIdentityProvider>();
        var bound = host.Services.GetRequiredService<IOptions<IdentityOptions>>().Value;
        await host.StopAsync(CancellationToken.None);

        Assert.That(provider.Current.XmppAddress, Is.EqualTo("hm1@cluster.test"));
        Assert.That(provider.Current.Role, Is.EqualTo(AgentRole.HostManager));
        Assert.That(bound.KeyAlgorithm, Is.EqualTo(KeyAlgorithm.Rsa2048));
    }

    [Test]
    public void AddAgentIdentity_with_bad_configuration_fails_at_start_naming_the_setting()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Identity:XmppAddress"] = "hm1@cluster.test",
            ["Identity:Role"] = "HostManager",
            ["Identity:KeystorePath"] = Path.Combine(directory, "agent.p12"),
            ["Identity:KeystorePassword"] = "x",
            ["Identity:CaCertificateFile"] = Path.Combine(directory, "ca.pem"),
        });
        builder.Services.AddAgentIdentity(builder.Configuration.GetSection("Identity"));
        using var host = builder.Build();

        var failure = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(CancellationToken.None));

        Assert.That(failure!.Message, Does.Contain("Identity:ScepUrl").And.Contain("Identity:Challenge"));
    }
}
