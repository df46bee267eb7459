using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Identity.Keystore;

/// <summary>What a keystore holds: the entity's certificate with its private key, and the CA chain above it.</summary>
public sealed class KeystoreContents : IDisposable
{
    public KeystoreContents(X509Certificate2 certificate, X509Certificate2Collection chain)
    {
        Certificate = certificate;
        Chain = chain;
    }

    /// <summary>The entity's certificate; <see cref="X509Certificate2.HasPrivateKey"/> is true.</summary>
    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection Chain { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var certificate in Chain)
        {
            certificate.Dispose();
        }
    }
}

/// <summary>
/// One password-protected PKCS#12 file per entity (paper §IV-A) holding its key, certificate and CA chain. Written
/// with PBES2 (AES-256-CBC, PBKDF2-HMAC-SHA-256) and an HMAC-SHA-256 MAC, atomically (see <see cref="AtomicFile"/>),
/// so a renewal interrupted at any point leaves the previous keystore intact.
/// </summary>
public sealed class Pkcs12Keystore
{
    /// <summary>
    /// 100,000 PBKDF2 iterations per protected part (certificates, key, MAC): ~0.3 s to open on one core, which a
    /// daemon pays once per start/renewal, and well inside .NET's default loader limit (which refuses files that
    /// would make it spend more; see <see cref="Pkcs12LoaderLimits"/>).
    /// </summary>
    public static readonly PbeParameters ExportParameters = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000);

    private readonly string password;
    private readonly ILogger<Pkcs12Keystore> logger;

    public Pkcs12Keystore(string path, string password, ILogger<Pkcs12Keystore> logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentNullException.ThrowIfNull(logger);
        Path = System.IO.Path.GetFullPath(path);
        this.password = password;
        this.logger = logger;
    }

    public string Path { get; }

    public bool Exists => File.Exists(Path);

    /// <summary>The password from configuration, or else from a file readable by its owner only.</summary>
    /// <exception cref="SecretFileException">The file is missing, empty or group/world accessible.</exception>
    /// <exception cref="ArgumentException">Neither or both are given.</exception>
    public static string ResolvePassword(string? password, string? passwordFile)
    {
        if (password is not null && passwordFile is not null)
        {
            throw new ArgumentException("Set the keystore password or the password file, not both.");
        }
        if (!string.IsNullOrEmpty(password))
        {
            return password;
        }
        return passwordFile is not null
            ? SecretFile.Read(passwordFile)
            : throw new ArgumentException("A keystore password or password file is required.");
    }

    /// <exception cref="KeystoreException">Missing, wrong password, corrupt, or no private key.</exception>
    public KeystoreContents Load()
    {
        if (!File.Exists(Path))
        {
            throw LoadFailure(KeystoreFailure.NotFound, $"the keystore '{Path}' does not exist");
        }
        WarnIfLoose();
        byte[] data;
        try
        {
            data = File.ReadAllBytes(Path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw LoadFailure(KeystoreFailure.Corrupt, $"the keystore '{Path}' cannot be read: {exception.Message}", exception);
        }
        X509Certificate2Collection loaded;
        try
        {
            // EphemeralKeySet: the key lives in this process only (on Linux there is no key store to persist it to).
            loaded = X509CertificateLoader.LoadPkcs12Collection(data, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException exception)
        {
            throw Classify(data, exception);
        }
        var withKey = loaded.Where(certificate => certificate.HasPrivateKey).ToList();
        if (withKey.Count != 1)
        {
            foreach (var certificate in loaded)
            {
                certificate.Dispose();
            }
            throw LoadFailure(KeystoreFailure.NoPrivateKey, $"the keystore '{Path}' holds {withKey.Count} certificates with a private key instead of one");
        }
        var own = withKey[0];
        var chain = new X509Certificate2Collection();
        foreach (var certificate in loaded)
        {
            if (!ReferenceEquals(certificate, own))
            {
                chain.Add(certificate);
            }
        }
        KeystoreLog.Loaded(logger, Path, own.Subject, own.SerialNumber, own.NotAfter.ToUniversalTime(), chain.Count);
        return new KeystoreContents(own, chain);
    }

    /// <summary>Replaces the keystore with <paramref name="certificateWithKey"/> and <paramref name="chain"/>, atomically.</summary>
    /// <exception cref="KeystoreException">No private key (nothing written) or the write failed (previous file intact).</exception>
    public void Save(X509Certificate2 certificateWithKey, IEnumerable<X509Certificate2> chain)
    {
        ArgumentNullException.ThrowIfNull(certificateWithKey);
        ArgumentNullException.ThrowIfNull(chain);
        if (!certificateWithKey.HasPrivateKey)
        {
            KeystoreLog.SaveFailed(logger, Path, "the certificate has no private key");
            throw new KeystoreException(Path, KeystoreFailure.NoPrivateKey, $"Refusing to save '{Path}': the certificate has no private key.");
        }
        var collection = new X509Certificate2Collection(certificateWithKey);
        foreach (var certificate in chain)
        {
            if (!certificate.RawData.AsSpan().SequenceEqual(certificateWithKey.RawData))
            {
                // Only public certificates go into the chain part, whatever the caller handed us.
                collection.Add(X509CertificateLoader.LoadCertificate(certificate.RawData));
            }
        }
        byte[] pfx;
        try
        {
            pfx = collection.ExportPkcs12(ExportParameters, password);
        }
        catch (CryptographicException exception)
        {
            KeystoreLog.SaveFailed(logger, Path, exception.Message);
            throw new KeystoreException(Path, KeystoreFailure.NoPrivateKey, $"The key of '{certificateWithKey.Subject}' cannot be exported: {exception.Message}", exception);
        }
        try
        {
            var directory = System.IO.Path.GetDirectoryName(Path)!;
            if (!System.IO.Directory.Exists(directory))
            {
                if (OperatingSystem.IsWindows())
                {
                    System.IO.Directory.CreateDirectory(directory);
                }
                else
                {
                    System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
            AtomicFile.Write(Path, pfx);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            KeystoreLog.SaveFailed(logger, Path, exception.Message);
            throw new KeystoreException(Path, KeystoreFailure.WriteFailed, $"The keystore '{Path}' could not be written (the previous one is unchanged): {exception.Message}", exception);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
        KeystoreLog.Saved(logger, Path, certificateWithKey.Subject, certificateWithKey.SerialNumber);
    }

    /// <summary>
    /// The loader reports a wrong password and a damaged file with the same exception type, and the operator needs
    /// to know which it is; only on this failure path is the outer structure decoded and the MAC checked separately
    /// (each MAC check costs a full key derivation, so the success path does not pay it twice).
    /// </summary>
    private KeystoreException Classify(byte[] data, CryptographicException loaderFailure)
    {
        Pkcs12Info info;
        try
        {
            info = Pkcs12Info.Decode(data, out var consumed, skipCopy: true);
            if (consumed != data.Length)
            {
                return LoadFailure(KeystoreFailure.Corrupt, $"the keystore '{Path}' has {data.Length - consumed} trailing bytes after the PKCS#12 structure", loaderFailure);
            }
        }
        catch (CryptographicException exception)
        {
            return LoadFailure(KeystoreFailure.Corrupt, $"the keystore '{Path}' is not a PKCS#12 file: {exception.Message}", exception);
        }
        if (info.IntegrityMode != Pkcs12IntegrityMode.Password)
        {
            return LoadFailure(KeystoreFailure.Corrupt, $"the keystore '{Path}' is not password-integrity protected ({info.IntegrityMode})", loaderFailure);
        }
        if (!info.VerifyMac(password))
        {
            return LoadFailure(KeystoreFailure.WrongPassword, $"the password does not open the keystore '{Path}'", loaderFailure);
        }
        return LoadFailure(KeystoreFailure.Corrupt, $"the keystore '{Path}' has a valid MAC but unreadable contents: {loaderFailure.Message}", loaderFailure);
    }

    private void WarnIfLoose()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var mode = File.GetUnixFileMode(Path);
        if ((mode & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite)) != 0)
        {
            // Encrypted, so not fatal, but an offline guessing attack needs only read access.
            KeystoreLog.LooseFileMode(logger, Path, SecretFile.Octal(mode));
        }
    }

    private KeystoreException LoadFailure(KeystoreFailure failure, string reason, Exception? inner = null)
    {
        KeystoreLog.LoadFailed(logger, Path, failure, reason);
        return new KeystoreException(Path, failure, $"Cannot load the keystore: {reason}.", inner);
    }
}
