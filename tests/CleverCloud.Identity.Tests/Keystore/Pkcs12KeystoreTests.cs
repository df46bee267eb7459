using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Keystore;
using CleverCloud.Identity.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Identity.Tests.Keystore;

[TestFixture]
public sealed class Pkcs12KeystoreTests
{
    private const string Password = "correct horse battery staple";
    private TestPki pki = null!;
    private string directory = null!;

    [OneTimeSetUp]
    public void CreatePki() => pki = new TestPki();

    [OneTimeTearDown]
    public void DisposePki() => pki.Dispose();

    [SetUp]
    public void CreateDirectory()
    {
        directory = Path.Combine(Path.GetTempPath(), "clever-keystore-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
    }

    [TearDown]
    public void RemoveDirectory() => System.IO.Directory.Delete(directory, recursive: true);

    private Pkcs12Keystore Keystore(string password = Password, RecordingLogger<Pkcs12Keystore>? logger = null) =>
        new(Path.Combine(directory, "agent.p12"), password, (Microsoft.Extensions.Logging.ILogger<Pkcs12Keystore>?)logger ?? NullLogger<Pkcs12Keystore>.Instance);

    [Test]
    public void Saved_keystore_loads_back_with_a_usable_key_and_the_chain()
    {
        using var certificate = pki.Issue("hm1@cluster.test", AgentRole.HostManager);
        var keystore = Keystore();

        keystore.Save(certificate, [pki.PublicCertificate]);
        using var loaded = keystore.Load();

        Assert.That(loaded.Certificate.RawData, Is.EqualTo(certificate.RawData));
        Assert.That(loaded.Chain.Select(c => c.RawData), Is.EqualTo(new[] { pki.Certificate.RawData }));
        using var privateKey = loaded.Certificate.GetECDsaPrivateKey();
        using var publicKey = certificate.GetECDsaPublicKey();
        var signature = privateKey!.SignData("proof"u8, HashAlgorithmName.SHA256);
        Assert.That(publicKey!.VerifyData("proof"u8, signature, HashAlgorithmName.SHA256), Is.True, "the loaded key signs for the certificate");
    }

    [Test]
    public void Rsa_keys_round_trip_too()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = pki.Issue("cm@cluster.test", AgentRole.ClusterManager, key: rsa);
        var keystore = Keystore();

        keystore.Save(certificate, []);
        using var loaded = keystore.Load();

        using var privateKey = loaded.Certificate.GetRSAPrivateKey();
        Assert.That(privateKey, Is.Not.Null);
        Assert.That(loaded.Chain, Is.Empty);
    }

    [Test]
    public void Saved_file_is_owner_only_and_uses_pbes2_aes256_sha256()
    {
        using var certificate = pki.Issue("hm1@cluster.test");
        var keystore = Keystore();

        keystore.Save(certificate, [pki.PublicCertificate]);

        Assert.That(File.GetUnixFileMode(keystore.Path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        var info = Pkcs12Info.Decode(File.ReadAllBytes(keystore.Path), out _);
        Assert.That(info.IntegrityMode, Is.EqualTo(Pkcs12IntegrityMode.Password));
        var encrypted = info.AuthenticatedSafe.Where(safe => safe.ConfidentialityMode == Pkcs12ConfidentialityMode.Password).ToList();
        Assert.That(encrypted, Is.Not.Empty, "certificates are in a password-encrypted SafeContents");
        encrypted[0].Decrypt(Password);
        var keyBags = info.AuthenticatedSafe.SelectMany(safe => safe.GetBags()).OfType<Pkcs12ShroudedKeyBag>().ToList();
        Assert.That(keyBags, Has.Count.EqualTo(1));
        // PBES2 (1.2.840.113549.1.5.13) rather than the legacy PKCS#12 3DES/RC2 schemes.
        Assert.That(ReadAlgorithmOid(keyBags[0].EncryptedPkcs8PrivateKey), Is.EqualTo("1.2.840.113549.1.5.13"));
        Assert.That(System.IO.Directory.GetFiles(directory), Has.Length.EqualTo(1), "no temporary file left behind");
    }

    [Test]
    public void Wrong_password_is_a_typed_error_saying_so()
    {
        using var certificate = pki.Issue("hm1@cluster.test");
        Keystore().Save(certificate, []);
        var logger = new RecordingLogger<Pkcs12Keystore>();

        var failure = Assert.Throws<KeystoreException>(() => Keystore("wrong password", logger).Load());

        Assert.That(failure!.Failure, Is.EqualTo(KeystoreFailure.WrongPassword));
        Assert.That(failure.IsTransient, Is.False);
        Assert.That(logger.Entries.Select(e => e.Id.Id), Does.Contain(3202));
    }

    [TestCase(0)]
    [TestCase(100)]
    [TestCase(-1)]
    public void Corrupt_file_is_a_typed_error(int truncateTo)
    {
        using var certificate = pki.Issue("hm1@cluster.test");
        var keystore = Keystore();
        keystore.Save(certificate, []);
        var bytes = File.ReadAllBytes(keystore.Path);
        // -1: flip a byte in the middle (the MAC then fails: a damaged file reads as a wrong password, which
        // PKCS#12 cannot tell apart); 0 and 100: truncated.
        if (truncateTo < 0)
        {
            bytes[bytes.Length / 2] ^= 0xff;
        }
        else
        {
            bytes = bytes[..truncateTo];
        }
        File.WriteAllBytes(keystore.Path, bytes);

        var failure = Assert.Throws<KeystoreException>(() => keystore.Load());

        Assert.That(failure!.Failure, truncateTo < 0 ? Is.EqualTo(KeystoreFailure.Corrupt).Or.EqualTo(KeystoreFailure.WrongPassword) : Is.EqualTo(KeystoreFailure.Corrupt));
    }

    [Test]
    public void Garbage_file_is_corrupt()
    {
        var keystore = Keystore();
        File.WriteAllText(keystore.Path, "-----BEGIN CERTIFICATE-----\nnot a keystore\n");

        var failure = Assert.Throws<KeystoreException>(() => keystore.Load());

        Assert.That(failure!.Failure, Is.EqualTo(KeystoreFailure.Corrupt));
    }

    [Test]
    public void Missing_file_is_not_found()
    {
        var failure = Assert.Throws<KeystoreException>(() => Keystore().Load());

        Assert.That(failure!.Failure, Is.EqualTo(KeystoreFailure.NotFound));
    }

    [Test]
    public void Certificate_without_private_key_is_refused_and_the_old_keystore_stays()
    {
        using var original = pki.Issue("hm1@cluster.test");
        var keystore = Keystore();
        keystore.Save(original, []);
        var before = File.ReadAllBytes(keystore.Path);
        using var publicOnly = X509CertificateLoader.LoadCertificate(pki.Issue("hm1@cluster.test").RawData);

        var failure = Assert.Throws<KeystoreException>(() => keystore.Save(publicOnly, []));

        Assert.That(failure!.Failure, Is.EqualTo(KeystoreFailure.NoPrivateKey));
        Assert.That(File.ReadAllBytes(keystore.Path), Is.EqualTo(before));
    }

    [Test]
    public void Failing_write_leaves_the_previous_file_intact_and_no_temporary_file()
    {
        var target = Path.Combine(directory, "agent.p12");
        File.WriteAllBytes(target, [1, 2, 3]);

        Assert.Throws<IOException>(() => AtomicFile.Write(target, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("disk full (simulated)");
        }));

        Assert.That(File.ReadAllBytes(target), Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(System.IO.Directory.GetFiles(directory), Is.EqualTo(new[] { target }));
    }

    [Test]
    public void Failing_keystore_write_is_a_transient_typed_error_and_nothing_is_left_behind()
    {
        using var certificate = pki.Issue("hm1@cluster.test");
        // The keystore path is occupied by a directory: the rename over it fails after the temporary file was written.
        var keystore = Keystore();
        System.IO.Directory.CreateDirectory(keystore.Path);

        var failure = Assert.Throws<KeystoreException>(() => keystore.Save(certificate, []));

        Assert.That(failure!.Failure, Is.EqualTo(KeystoreFailure.WriteFailed));
        Assert.That(failure.IsTransient, Is.True);
        Assert.That(System.IO.Directory.GetFiles(directory), Is.Empty, "the temporary file was removed");
    }

    [Test]
    public void Replacing_keeps_only_the_new_contents()
    {
        using var first = pki.Issue("hm1@cluster.test");
        using var second = pki.Issue("hm1@cluster.test");
        var keystore = Keystore();
        keystore.Save(first, []);

        keystore.Save(second, [pki.PublicCertificate]);
        using var loaded = keystore.Load();

        Assert.That(loaded.Certificate.RawData, Is.EqualTo(second.RawData));
    }

    [Test]
    public void Password_file_readable_by_others_is_refused_naming_the_file_and_mode()
    {
        var passwordFile = Path.Combine(directory, "keystore.pass");
        File.WriteAllText(passwordFile, Password + "\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var failure = Assert.Throws<SecretFileException>(() => Pkcs12Keystore.ResolvePassword(null, passwordFile));

        Assert.That(failure!.Message, Does.Contain(passwordFile).And.Contain("0644"));
        Assert.That(failure.Path, Is.EqualTo(passwordFile));
    }

    [Test]
    public void Owner_only_password_file_is_read_without_its_newline()
    {
        var passwordFile = Path.Combine(directory, "keystore.pass");
        File.WriteAllText(passwordFile, Password + "\r\n");
        File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.That(Pkcs12Keystore.ResolvePassword(null, passwordFile), Is.EqualTo(Password));
    }

    [Test]
    public void Empty_or_missing_password_file_is_refused()
    {
        var empty = Path.Combine(directory, "empty.pass");
        File.WriteAllText(empty, "");
        File.SetUnixFileMode(empty, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Throws<SecretFileException>(() => Pkcs12Keystore.ResolvePassword(null, empty));
        Assert.Throws<SecretFileException>(() => Pkcs12Keystore.ResolvePassword(null, Path.Combine(directory, "absent.pass")));
        Assert.Throws<ArgumentException>(() => Pkcs12Keystore.ResolvePassword(null, null));
        Assert.Throws<ArgumentException>(() => Pkcs12Keystore.ResolvePassword("a", empty));
    }

    private static string ReadAlgorithmOid(ReadOnlyMemory<byte> encryptedPrivateKeyInfo)
    {
        var reader = new System.Formats.Asn1.AsnReader(encryptedPrivateKeyInfo, System.Formats.Asn1.AsnEncodingRules.BER);
        var sequence = reader.ReadSequence();
        var algorithm = sequence.ReadSequence();
        return algorithm.ReadObjectIdentifier();
    }
}
