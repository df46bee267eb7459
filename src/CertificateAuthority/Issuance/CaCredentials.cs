using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Configuration;

namespace CleverCloud.CertificateAuthority.Issuance;

/// <summary>
/// The CA key pair and self-signed certificate, plus the RSA-2048 RA certificate SCEP clients encrypt to (certmonger
/// and most clients only do RSA key transport). Created at first start; the private keys live on disk only as
/// encrypted PKCS#8 (PBES2: PBKDF2-HMAC-SHA-256, AES-256-CBC).
/// </summary>
public sealed class CaCredentials : IDisposable
{
    private const string CaCertificateFile = "ca.crt.pem";
    private const string CaKeyFile = "ca.key.pem";
    private const string RaCertificateFile = "ra.crt.pem";
    private const string RaKeyFile = "ra.key.pem";
    private const string RaSubject = "CN=CleverCloud SCEP RA,O=CleverCloud";
    private static readonly TimeSpan BackdateForClockSkew = TimeSpan.FromMinutes(5);

    private CaCredentials(X509Certificate2 caCertificate, AsymmetricAlgorithm caKey, X509Certificate2 raCertificate, RSA raKey, bool created)
    {
        CaCertificate = caCertificate;
        CaKey = caKey;
        RaCertificate = raCertificate;
        RaKey = raKey;
        Created = created;
        CaSignatureGenerator = caKey switch
        {
            ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            _ => throw new InvalidOperationException("The CA key must be ECDSA or RSA."),
        };
    }

    /// <summary>The CA certificate (public part only; the key is <see cref="CaKey"/>).</summary>
    public X509Certificate2 CaCertificate { get; }

    public AsymmetricAlgorithm CaKey { get; }

    public X509SignatureGenerator CaSignatureGenerator { get; }

    public X509Certificate2 RaCertificate { get; }

    public RSA RaKey { get; }

    /// <summary>True when this start created the CA (first start).</summary>
    public bool Created { get; }

    public bool CaKeyIsEcdsa => CaKey is ECDsa;

    public static string CaCertificatePath(string stateDirectory) => Path.Combine(stateDirectory, CaCertificateFile);

    /// <summary>Loads the CA from <see cref="CertificateAuthorityOptions.StateDirectory"/>, creating it on first start.</summary>
    public static CaCredentials LoadOrCreate(CertificateAuthorityOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = options.StateDirectory;
        Directory.CreateDirectory(directory);
        var password = options.ResolveKeyPassword();
        // Two processes starting at once (service and CLI) must not both create a CA: hold a lock file meanwhile.
        using var initializationLock = AcquireLock(Path.Combine(directory, "init.lock"));
        if (!File.Exists(Path.Combine(directory, CaCertificateFile)))
        {
            return Create(options, password, time);
        }
        var caCertificate = X509CertificateLoader.LoadCertificate(ReadPemBody(Path.Combine(directory, CaCertificateFile)));
        var caKeyPem = File.ReadAllText(Path.Combine(directory, CaKeyFile));
        AsymmetricAlgorithm caKey;
        try
        {
            if (caCertificate.GetECDsaPublicKey() is { } ecPublic)
            {
                ecPublic.Dispose();
                var ecdsa = ECDsa.Create();
                ecdsa.ImportFromEncryptedPem(caKeyPem, password);
                caKey = ecdsa;
            }
            else
            {
                var rsa = RSA.Create();
                rsa.ImportFromEncryptedPem(caKeyPem, password);
                caKey = rsa;
            }
        }
        catch (CryptographicException exception)
        {
            throw new InvalidOperationException($"Cannot decrypt the CA key in {directory}: wrong key password or damaged file.", exception);
        }
        var raCertificate = X509CertificateLoader.LoadCertificate(ReadPemBody(Path.Combine(directory, RaCertificateFile)));
        var raKey = RSA.Create();
        raKey.ImportFromEncryptedPem(File.ReadAllText(Path.Combine(directory, RaKeyFile)), password);
        return new CaCredentials(caCertificate, caKey, raCertificate, raKey, created: false);
    }

    public static byte[] NewSerialNumber()
    {
        // 16 random bytes with the top bit cleared (positive INTEGER) and the next bit set (no leading zero byte):
        // 126 bits of entropy, far above the 64 bits that make serials unpredictable.
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }

    private static CaCredentials Create(CertificateAuthorityOptions options, string password, TimeProvider time)
    {
        var now = time.GetUtcNow();
        AsymmetricAlgorithm caKey = options.KeyAlgorithm == CaKeyAlgorithm.Rsa3072 ? RSA.Create(3072) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = caKey switch
        {
            ECDsa ecdsa => new CertificateRequest(options.CaSubject, ecdsa, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(options.CaSubject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new InvalidOperationException("Unreachable key type."),
        };
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var caSki = new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false);
        caRequest.CertificateExtensions.Add(caSki);
        using var caWithKey = caRequest.CreateSelfSigned(now - BackdateForClockSkew, now + options.CaValidity);
        var caCertificate = X509CertificateLoader.LoadCertificate(caWithKey.RawData);

        var raKey = RSA.Create(2048);
        var raRequest = new CertificateRequest(RaSubject, raKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        raRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        raRequest.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature, true));
        raRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(raRequest.PublicKey, false));
        raRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCertificate, true, false));
        var generator = caKey switch
        {
            ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            _ => throw new InvalidOperationException("Unreachable key type."),
        };
        var raNotAfter = now + options.RaValidity < caCertificate.NotAfter ? now + options.RaValidity : new DateTimeOffset(caCertificate.NotAfter);
        var raCertificate = raRequest.Create(caCertificate.SubjectName, generator, now - BackdateForClockSkew, raNotAfter, NewSerialNumber());

        var directory = options.StateDirectory;
        var pbe = options.KeyEncryption;
        // Keys first, CA certificate last: the certificate's presence is what marks the CA as created.
        WriteAtomically(Path.Combine(directory, CaKeyFile), caKey switch
        {
            ECDsa ecdsa => ecdsa.ExportEncryptedPkcs8PrivateKeyPem(password, pbe),
            RSA rsa => rsa.ExportEncryptedPkcs8PrivateKeyPem(password, pbe),
            _ => throw new InvalidOperationException("Unreachable key type."),
        });
        WriteAtomically(Path.Combine(directory, RaKeyFile), raKey.ExportEncryptedPkcs8PrivateKeyPem(password, pbe));
        WriteAtomically(Path.Combine(directory, RaCertificateFile), raCertificate.ExportCertificatePem() + "\n");
        WriteAtomically(Path.Combine(directory, CaCertificateFile), caCertificate.ExportCertificatePem() + "\n");
        return new CaCredentials(caCertificate, caKey, raCertificate, raKey, created: true);
    }

    private static byte[] ReadPemBody(string path)
    {
        var pem = File.ReadAllText(path);
        var fields = PemEncoding.Find(pem);
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    private static void WriteAtomically(string path, string content)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            using var writer = new StreamWriter(stream);
            writer.Write(content);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another process is creating or loading the CA: wait for it rather than racing it.
                Thread.Sleep(100);
            }
        }
    }

    public void Dispose()
    {
        CaKey.Dispose();
        RaKey.Dispose();
        CaCertificate.Dispose();
        RaCertificate.Dispose();
    }
}
