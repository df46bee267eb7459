using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Bootstrap;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Keystore;
using CleverCloud.Identity.Tests.Support;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Tests.Bootstrap;

[TestFixture]
public sealed class IdentityBootstrapperTests
{
    private TestPki pki = null!;
    private string directory = null!;
    private CancellationTokenSource timeout = null!;

    [OneTimeSetUp]
    public void CreatePki() => pki = new TestPki();

    [OneTimeTearDown]
    public void DisposePki() => pki.Dispose();

    [SetUp]
    public void CreateDirectory()
    {
        directory = Path.Combine(Path.GetTempPath(), "clever-identity-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "ca.pem"), pki.PublicCertificate.ExportCertificatePem());
        timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
    }

    [TearDown]
    public void RemoveDirectory()
    {
        timeout.Dispose();
        System.IO.Directory.Delete(directory, recursive: true);
    }

    internal static IdentityOptions Options(string directory, string address = "hm1@cluster.test", AgentRole role = AgentRole.HostManager) => new()
    {
        XmppAddress = address,
        Role = role,
        KeystorePath = Path.Combine(directory, "keys", "agent.p12"),
        KeystorePassword = "keystore-password",
        ScepUrl = "http://127.0.0.1:1/scep",
        Challenge = "one-time-challenge",
        CaCertificateFile = Path.Combine(directory, "ca.pem"),
        EnrollmentPollInterval = TimeSpan.FromMilliseconds(10),
        RenewalRetryMin = TimeSpan.FromMilliseconds(10),
        RenewalRetryMax = TimeSpan.FromMilliseconds(100),
    };

    [Test]
    public async Task Without_keystore_the_agent_enrolls_and_writes_an_owner_only_keystore()
    {
        var enroller = new TestPkiEnroller(pki);
        var options = Options(directory);

        using var identity = await new IdentityBootstrapper(options, enroller).LoadOrEnrollAsync(timeout.Token);

        Assert.That(enroller.Enrollments, Is.EqualTo(1));
        Assert.That(enroller.LastChallenge, Is.EqualTo("one-time-challenge"));
        Assert.That(identity.XmppAddress, Is.EqualTo("hm1@cluster.test"));
        Assert.That(identity.Role, Is.EqualTo(AgentRole.HostManager));
        Assert.That(File.Exists(options.KeystorePath), Is.True);
        Assert.That(File.GetUnixFileMode(options.KeystorePath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        using var privateKey = identity.Certificate.GetECDsaPrivateKey();
        Assert.That(privateKey, Is.Not.Null, "the identity carries its private key");
        Assert.That(identity.Chain.Select(c => c.RawData), Is.EqualTo(new[] { pki.Certificate.RawData }));
    }

    [Test]
    public async Task With_keystore_the_agent_loads_it_without_enrolling()
    {
        var options = Options(directory);
        using (var first = await new IdentityBootstrapper(options, new TestPkiEnroller(pki)).LoadOrEnrollAsync(timeout.Token))
        {
            var enroller = new TestPkiEnroller(pki);

            using var loaded = await new IdentityBootstrapper(options, enroller).LoadOrEnrollAsync(timeout.Token);

            Assert.That(enroller.Enrollments, Is.Zero);
            Assert.That(loaded.Certificate.RawData, Is.EqualTo(first.Certificate.RawData));
            Assert.That(loaded.Certificate.HasPrivateKey, Is.True);
        }
    }

    [Test]
    public async Task Rsa_key_algorithm_is_honoured()
    {
        var options = Options(directory);
        options.KeyAlgorithm = KeyAlgorithm.Rsa2048;

        using var identity = await new IdentityBootstrapper(options, new TestPkiEnroller(pki)).LoadOrEnrollAsync(timeout.Token);

        using var rsa = identity.Certificate.GetRSAPrivateKey();
        Assert.That(rsa, Is.Not.Null);
    }

    [Test]
    public async Task Keystore_of_another_address_is_a_clear_error_and_is_left_alone()
    {
        var other = Options(directory, "hm2@cluster.test");
        using (await new IdentityBootstrapper(other, new TestPkiEnroller(pki)).LoadOrEnrollAsync(timeout.Token))
        {
        }
        var before = await File.ReadAllBytesAsync(other.KeystorePath);
        var enroller = new TestPkiEnroller(pki);

        var failure = Assert.ThrowsAsync<IdentityBootstrapException>(() => new IdentityBootstrapper(Options(directory), enroller).LoadOrEnrollAsync(timeout.Token));

        Assert.That(failure!.Failure, Is.EqualTo(IdentityFailure.AddressMismatch));
        Assert.That(failure.Message, Does.Contain("hm2@cluster.test").And.Contain("hm1@cluster.test").And.Contain(other.KeystorePath));
        Assert.That(enroller.Enrollments, Is.Zero);
        Assert.That(await File.ReadAllBytesAsync(other.KeystorePath), Is.EqualTo(before));
    }

    [Test]
    public async Task Keystore_with_another_role_is_refused()
    {
        using (await new IdentityBootstrapper(Options(directory, role: AgentRole.Administrator), new TestPkiEnroller(pki)).LoadOrEnrollAsync(timeout.Token))
        {
        }

        var failure = Assert.ThrowsAsync<IdentityBootstrapException>(() => new IdentityBootstrapper(Options(directory), new TestPkiEnroller(pki)).LoadOrEnrollAsync(timeout.Token));

        Assert.That(failure!.Failure, Is.EqualTo(IdentityFailure.RoleMismatch));
    }

    [Test]
    public void Certificate_issued_for_another_address_is_refused_and_no_keystore_is_written()
    {
        var options = Options(directory);
        var enroller = new TestPkiEnroller(pki) { IssueForAddress = "someone-else@cluster.test" };

        var failure = Assert.ThrowsAsync<IdentityBootstrapException>(() => new IdentityBootstrapper(options, enroller).LoadOrEnrollAsync(timeout.Token));

        Assert.That(failure!.Failure, Is.EqualTo(IdentityFailure.AddressMismatch));
        Assert.That(File.Exists(options.KeystorePath), Is.False);
    }

    [Test]
    public void Certificate_from_a_ca_other_than_the_trust_anchor_is_refused()
    {
        using var rogue = new TestPki("Rogue CA");
        var options = Options(directory);
        var enroller = new TestPkiEnroller(pki) { IssueFrom = rogue };

        var failure = Assert.ThrowsAsync<IdentityBootstrapException>(() => new IdentityBootstrapper(options, enroller).LoadOrEnrollAsync(timeout.Token));

        Assert.That(failure!.Failure, Is.EqualTo(IdentityFailure.Untrusted));
        Assert.That(File.Exists(options.KeystorePath), Is.False);
    }

    [Test]
    public async Task Transient_enrollment_failures_are_retried_with_the_same_request()
    {
        var enroller = new TestPkiEnroller(pki) { TransientFailures = 2 };

        using var identity = await new IdentityBootstrapper(Options(directory), enroller).LoadOrEnrollAsync(timeout.Token);

        Assert.That(enroller.Enrollments, Is.EqualTo(3));
    }

    [Test]
    public void Rejected_enrollment_propagates_and_writes_nothing()
    {
        var options = Options(directory);
        var enroller = new TestPkiEnroller(pki) { Reject = true };

        var failure = Assert.ThrowsAsync<EnrollmentException>(() => new IdentityBootstrapper(options, enroller).LoadOrEnrollAsync(timeout.Token));

        Assert.That(failure!.IsTransient, Is.False);
        Assert.That(enroller.Enrollments, Is.EqualTo(1));
        Assert.That(File.Exists(options.KeystorePath), Is.False);
    }

    [Test]
    public async Task Expired_keystore_with_a_challenge_enrolls_again()
    {
        var options = Options(directory);
        var now = DateTimeOffset.UtcNow;
        using var expired = pki.Issue("hm1@cluster.test", AgentRole.HostManager, now.AddDays(-10), now.AddDays(-1));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(options.KeystorePath)!);
        new Pkcs12Keystore(options.KeystorePath, options.KeystorePassword!, Microsoft.Extensions.Logging.Abstractions.NullLogger<Pkcs12Keystore>.Instance)
            .Save(expired, [pki.PublicCertificate]);
        var enroller = new TestPkiEnroller(pki);

        using var identity = await new IdentityBootstrapper(options, enroller).LoadOrEnrollAsync(timeout.Token);

        Assert.That(enroller.Enrollments, Is.EqualTo(1));
        Assert.That(identity.NotAfter, Is.GreaterThan(now));
    }

    [Test]
    public async Task Expired_keystore_without_a_challenge_is_a_clear_error()
    {
        var options = Options(directory);
        var now = DateTimeOffset.UtcNow;
        using var expired = pki.Issue("hm1@cluster.test", AgentRole.HostManager, now.AddDays(-10), now.AddDays(-1));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(options.KeystorePath)!);
        new Pkcs12Keystore(options.KeystorePath, options.KeystorePassword!, Microsoft.Extensions.Logging.Abstractions.NullLogger<Pkcs12Keystore>.Instance)
            .Save(expired, [pki.PublicCertificate]);
        options.Challenge = null;

        var failure = Assert.ThrowsAsync<IdentityBootstrapException>(() => new IdentityBootstrapper(options, new TestPkiEnroller(pki)).LoadOrEnrollAsync(timeout.Token));

        Assert.That(failure!.Failure, Is.EqualTo(IdentityFailure.Expired));
        await Task.CompletedTask;
    }

    [Test]
    public async Task Wrong_keystore_password_is_the_keystore_error()
    {
        var options = Options(directory);
        using (await new IdentityBootstrapper(options, new TestPkiEnroller(pki)).LoadOrEnrollAsync(timeout.Token))
        {
        }
        options.KeystorePassword = "not it";

        var failure = Assert.ThrowsAsync<KeystoreException>(() => new IdentityBootstrapper(options, new TestPkiEnroller(pki)).LoadOrEnrollAsync(timeout.Token));

        Assert.That(failure!.Failure, Is.EqualTo(KeystoreFailure.WrongPassword));
    }

    [Test]
    public void Challenge_is_read_from_an_owner_only_file()
    {
        var options = Options(directory);
        options.Challenge = null;
        options.ChallengeFile = Path.Combine(directory, "challenge");
        File.WriteAllText(options.ChallengeFile, "from-file\n");
        File.SetUnixFileMode(options.ChallengeFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var enroller = new TestPkiEnroller(pki);

        Assert.That(async () => (await new IdentityBootstrapper(options, enroller).LoadOrEnrollAsync(timeout.Token)).Dispose(), Throws.Nothing);
        Assert.That(enroller.LastChallenge, Is.EqualTo("from-file"));
    }

    [Test]
    public void Invalid_options_name_each_bad_setting()
    {
        var options = Options(directory);
        options.XmppAddress = "hm1@cluster.test/resource";
        options.KeystorePasswordFile = Path.Combine(directory, "pass");
        options.Challenge = null;
        options.CaCertificateFile = Path.Combine(directory, "missing.pem");
        options.RenewalFraction = 1.5;

        var failure = Assert.Throws<OptionsValidationException>(() => _ = new IdentityBootstrapper(options, new TestPkiEnroller(pki)));

        Assert.That(failure!.Message, Does.Contain("Identity:XmppAddress")
            .And.Contain("Identity:KeystorePassword and Identity:KeystorePasswordFile")
            .And.Contain("Identity:Challenge")
            .And.Contain("Identity:CaCertificateFile")
            .And.Contain("Identity:RenewalFraction"));
    }

    [Test]
    public void World_readable_keystore_password_file_is_refused_by_the_validator()
    {
        var options = Options(directory);
        options.KeystorePassword = null;
        options.KeystorePasswordFile = Path.Combine(directory, "pass");
        File.WriteAllText(options.KeystorePasswordFile, "secret");
        File.SetUnixFileMode(options.KeystorePasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var result = new IdentityOptionsValidator().Validate(null, options);

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("Identity:KeystorePasswordFile").And.Contain("0644"));
    }

    [Test]
    public void Missing_scep_url_is_named()
    {
        var options = Options(directory);
        options.ScepUrl = null;

        Assert.That(new IdentityOptionsValidator().Validate(null, options).FailureMessage, Does.Contain("Identity:ScepUrl"));
        options.ScepUrl = "ftp://ca/scep";
        Assert.That(new IdentityOptionsValidator().Validate(null, options).FailureMessage, Does.Contain("Identity:ScepUrl"));
    }
}
