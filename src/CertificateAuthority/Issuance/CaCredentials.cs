using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.CertificateAuthority.Configuration;

namespace CleverCloud.CertificateAuthority.Issuance;

/// <summary>
/// The CA key pair and self-signed certificate, plus two RA certificates SCEP clients encrypt their requests to: an
/// RSA-2048 one for key transport (certmonger and most clients only do RSA key transport) and an ECDH P-256 one for
/// key agreement (RFC 5753), which our own client prefers: the CA's RSA-2048 decryption was the largest CPU cost of
/// an enrollment, an ECDH agreement costs a fraction of it. Created at first start; the private keys live on disk only
/// as encrypted PKCS#8 (PBES2: PBKDF2-HMAC-SHA-256, AES-256-CBC).
/// </summary>
public sealed class CaCredentials : IDisposable
{
    private const string CaCertificateFile = "ca.crt.pem";
    private const string CaKeyFile = "ca.key.pem";
    private const string RaCertificateFile = "ra.crt.pem";
    private const string RaKeyFile = "ra.key.pem";
    private const string RaSubject = "CN=CleverCloud SCEP RA,O=CleverCloud";
    private const string KeyAgreementRaCertificateFile = "ra-ecdh.crt.pem";
    private const string KeyAgreementRaKeyFile = "ra-ecdh.key.pem";
    private const string KeyAgreementRaSubject = "CN=CleverCloud SCEP RA (key agreement),O=CleverCloud";
    private static readonly TimeSpan BackdateForClockSkew = TimeSpan.FromMinutes(5);

    private CaCredentials(
        X509Certificate2 caCertificate, AsymmetricAlgorithm caKey, X509Certificate2 raCertificate, RSA raKey,
        X509Certificate2 keyAgreementCertificate, ECDiffieHellman keyAgreementKey, bool created)
    {
        CaCertificate = caCertificate;
        CaKey = caKey;
        RaCertificate = raCertificate;
        RaKey = raKey;
        KeyAgreementCertificate = keyAgreementCertificate;
        KeyAgreementKey = keyAgreementKey;
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

    /// <summary>The ECDH P-256 RA certificate (keyUsage keyAgreement only) for RFC 5753 key agreement envelopes.</summary>
    public X509Certificate2 KeyAgreementCertificate { get; }

    public ECDiffieHellman KeyAgreementKey { get; }

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
        X509Certificate2 keyAgreementCertificate;
        ECDiffieHellman keyAgreementKey;
        if (File.Exists(Path.Combine(directory, KeyAgreementRaCertificateFile)))
        {
            keyAgreementCertificate = X509CertificateLoader.LoadCertificate(ReadPemBody(Path.Combine(directory, KeyAgreementRaCertificateFile)));
            keyAgreementKey = ECDiffieHellman.Create();
            keyAgreementKey.ImportFromEncryptedPem(File.ReadAllText(Path.Combine(directory, KeyAgreementRaKeyFile)), password);
        }
        else
        {
            // A state directory from before the key agreement RA: add one, signed by the existing CA key (we hold the
            // init lock). Nothing else changes, so older clients keep using the RSA RA.
            (keyAgreementCertificate, keyAgreementKey) = CreateKeyAgreementRa(options, password, time, caCertificate, caKey);
        }
        return new CaCredentials(caCertificate, caKey, raCertificate, raKey, keyAgreementCertificate, keyAgreementKey, created: false);
    }

    private static (X509Certificate2 Certificate, ECDiffieHellman Key) CreateKeyAgreementRa(
        CertificateAuthorityOptions options, string password, TimeProvider time, X509Certificate2 caCertificate, AsymmetricAlgorithm caKey)
    {
        var now = time.GetUtcNow();
        var key = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        // CertificateRequest takes an ECDsa for the subject key only to encode its public half; the key pair is the same.
        using var publicHalf = ECDsa.Create(key.ExportParameters(false));
        var request = new CertificateRequest(KeyAgreementRaSubject, publicHalf, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        // keyAgreement only: this key never signs, and is never used with the CA key's purposes.
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(caCertificate, true, false));
        var notAfter = now + options.RaValidity < caCertificate.NotAfter ? now + options.RaValidity : new DateTimeOffset(caCertificate.NotAfter);
        var certificate = request.Create(caCertificate.SubjectName, SignatureGeneratorFor(caKey), now - BackdateForClockSkew, notAfter, NewSerialNumber());
        var directory = options.StateDirectory;
        // Key first, certificate last: the certificate's presence is what marks the RA as created.
        WriteAtomically(Path.Combine(directory, KeyAgreementRaKeyFile), key.ExportEncryptedPkcs8PrivateKeyPem(password, options.KeyEncryption));
        WriteAtomically(Path.Combine(directory, KeyAgreementRaCertificateFile), certificate.ExportCertificatePem() + "\n");
        return (certificate, key);
    }

    private static X509SignatureGenerator SignatureGeneratorFor(AsymmetricAlgorithm caKey) => caKey switch
    {
        ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new InvalidOperationException("The CA key must be ECDSA or RSA."),
    };

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
        var (keyAgreementCertificate, keyAgreementKey) = CreateKeyAgreementRa(options, password, time, caCertificate, caKey);
        WriteAtomically(Path.Combine(directory, CaCertificateFile), caCertificate.ExportCertificatePem() + "\n");
        return new CaCredentials(caCertificate, caKey, raCertificate, raKey, keyAgreementCertificate, keyAgreementKey, created: true);
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
        KeyAgreementKey.Dispose();
        CaCertificate.Dispose();
        RaCertificate.Dispose();
        KeyAgreementCertificate.Dispose();
    }
}
