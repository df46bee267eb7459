using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Hosting;
using CleverCloud.CertificateAuthority.Issuance;
using CleverCloud.Identity.Bootstrap;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Scep;
using CleverCloud.Identity.Validation;
using CleverCloud.TestSupport.Identity;
using CleverCloud.TestSupport.Ldap;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Identity.Tests.EndToEnd;

/// <summary>
/// The paper's identity flow with every real part: an agent enrolls through the project's SCEP client at the real CA
/// (in-process web host), the CA publishes the certificate and CRL in a real slapd, another agent resolves and
/// validates it from LDAP; then renewal and revocation.
/// </summary>
[TestFixture]
public sealed class EnrollPublishResolveTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };
    private SlapdServer slapd = null!;
    private LocalCertificateAuthority ca = null!;
    private string workDirectory = null!;
    private string caCertificateFile = null!;
    private Uri scepEndpoint = null!;
    private CertificateAuthorityCore core = null!;

    [OneTimeSetUp]
    public async Task StartSlapdAndCa()
    {
        slapd = await SlapdServer.StartNewAsync();
        workDirectory = Path.Combine(Path.GetTempPath(), "clever-e2e-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(workDirectory);
        ca = await LocalCertificateAuthority.StartAsync(workDirectory, slapd, "e2e-ca-key-password");
        scepEndpoint = ca.ScepEndpoint;
        core = ca.Core;
        caCertificateFile = ca.CaCertificateFile;
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await ca.DisposeAsync();
        await slapd.DisposeAsync();
        System.IO.Directory.Delete(workDirectory, recursive: true);
    }

    private IdentityBootstrapper Bootstrapper(string address, AgentRole role, string challenge)
    {
        var options = new IdentityOptions
        {
            XmppAddress = address,
            Role = role,
            KeystorePath = Path.Combine(workDirectory, address, "agent.p12"),
            KeystorePassword = "agent-keystore-password",
            ScepUrl = scepEndpoint.ToString(),
            Challenge = challenge,
            CaCertificateFile = caCertificateFile,
            EnrollmentPollInterval = TimeSpan.FromMilliseconds(200),
        };
        var client = new ScepClient(Http, scepEndpoint, NullLogger<ScepClient>.Instance)
        {
            TrustAnchor = ScepTrustAnchor.FromCertificate(core.Credentials.CaCertificate),
        };
        return new IdentityBootstrapper(options, new ScepCertificateEnroller(client, options.EnrollmentPollInterval, options.EnrollmentMaxWait));
    }

    private (LdapCertificateDirectory Directory, PeerCertificateResolver Resolver) AnonymousResolver()
    {
        var directory = new LdapCertificateDirectory(
            new LdapDirectoryOptions { Uri = slapd.Uri, BaseDn = slapd.BaseDn, OperationTimeout = TimeSpan.FromSeconds(30) },
            NullLogger<LdapCertificateDirectory>.Instance);
        var validator = new CertificateValidator(CertificateValidator.LoadCaCertificate(caCertificateFile));
        return (directory, new PeerCertificateResolver(directory, validator, new PeerValidationOptions(), NullLogger<PeerCertificateResolver>.Instance));
    }

    [Test]
    public async Task Enrolled_agent_is_resolved_from_ldap_then_renewed_then_revoked()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        const string address = "hm-e2e@cluster.test";
        var bootstrapper = Bootstrapper(address, AgentRole.HostManager, core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1)));

        using var identity = await bootstrapper.LoadOrEnrollAsync(timeout.Token);
        var (directory, resolver) = AnonymousResolver();
        using var ownedDirectory = directory;
        using var ownedResolver = resolver;
        var resolved = await resolver.ResolveAsync(address, timeout.Token);

        Assert.That(resolved.Status, Is.EqualTo(PeerCertificateStatus.Valid), resolved.Reason);
        Assert.That(resolved.Role, Is.EqualTo(AgentRole.HostManager));
        Assert.That(resolved.Certificate!.RawData, Is.EqualTo(identity.Certificate.RawData), "LDAP holds exactly the certificate the agent received");

        using var renewed = await bootstrapper.RenewAsync(identity, timeout.Token);
        resolver.Invalidate(address);
        var afterRenewal = await resolver.ResolveAsync(address, timeout.Token);
        Assert.That(afterRenewal.Status, Is.EqualTo(PeerCertificateStatus.Valid), afterRenewal.Reason);
        Assert.That(afterRenewal.Certificate!.RawData, Is.EqualTo(renewed.Certificate.RawData), "the CA published the renewed certificate");

        await core.RevokeAsync(renewed.Certificate.SerialNumber, X509RevocationReason.KeyCompromise, timeout.Token);
        resolver.InvalidateCrl();
        var afterRevocation = await resolver.ResolveAsync(address, timeout.Token);
        Assert.That(afterRevocation.Status, Is.EqualTo(PeerCertificateStatus.Unknown), "the CA removes a revoked certificate's entry");
        // A copy kept elsewhere (e.g. received in-band) is caught by the CA-signed CRL the CA published in LDAP.
        var crl = VerifiedCrl.Verify((await directory.GetCrlAsync(timeout.Token))!, core.Credentials.CaCertificate, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));
        var validator = new CertificateValidator(core.Credentials.CaCertificate);
        Assert.That(validator.Validate(renewed.Certificate, address, crl).Status, Is.EqualTo(PeerCertificateStatus.Revoked));
        Assert.That(validator.Validate(identity.Certificate, address, crl).Status, Is.EqualTo(PeerCertificateStatus.Valid), "only the revoked serial is listed");
    }

    [Test]
    public async Task Second_start_loads_the_keystore_without_a_new_challenge()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        const string address = "cm-e2e@cluster.test";
        var challenge = core.CreateChallenge(address, AgentRole.ClusterManager, TimeSpan.FromHours(1));
        using var first = await Bootstrapper(address, AgentRole.ClusterManager, challenge).LoadOrEnrollAsync(timeout.Token);

        // The challenge is single-use: a second enrollment would be rejected, so this only passes if the keystore is used.
        using var second = await Bootstrapper(address, AgentRole.ClusterManager, challenge).LoadOrEnrollAsync(timeout.Token);

        Assert.That(second.Certificate.RawData, Is.EqualTo(first.Certificate.RawData));
    }

    [Test]
    public void Challenge_for_another_role_is_rejected_by_the_ca_and_nothing_is_written()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        const string address = "sneaky-e2e@cluster.test";
        var challenge = core.CreateChallenge(address, AgentRole.HostManager, TimeSpan.FromHours(1));
        var bootstrapper = Bootstrapper(address, AgentRole.ClusterManager, challenge);

        var failure = Assert.ThrowsAsync<EnrollmentException>(() => bootstrapper.LoadOrEnrollAsync(timeout.Token));

        Assert.That(failure!.IsTransient, Is.False);
        Assert.That(File.Exists(bootstrapper.KeystorePath), Is.False);
    }
}
