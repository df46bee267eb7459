using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.TestSupport.Xmpp;

/// <summary>Repository lookup, free ports, certificates and template rendering shared by the server fixtures.</summary>
public static class ServerEnvironment
{
    /// <summary>The loopback address every fixture binds to.</summary>
    public const string LoopbackHost = "127.0.0.1";

    /// <summary>The repository root: the nearest folder above the test binaries that holds CleverCloud.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "CleverCloud.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} contains CleverCloud.sln.");
    }

    /// <summary>A folder of deploy/ (prosody, ejabberd, …) in this repository.</summary>
    public static string DeployDirectory(string name) => Path.Combine(RepositoryRoot(), "deploy", name);

    /// <summary>A port free on 127.0.0.1 right now (the kernel's choice for port 0).</summary>
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>True when this process runs as root (servers then need run_as_root or a user switch).</summary>
    public static bool IsRoot => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    /// <summary>A private temporary folder for one server instance.</summary>
    public static string CreateWorkDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"clever-{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 20)]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Writes a self-signed ECDSA P-256 server certificate for <paramref name="names"/> (first name as CN, all as DNS
    /// subjectAltName, plus 127.0.0.1 and <paramref name="listenAddress"/> as IP subjectAltName) as PEM: the
    /// certificate (which clients must trust) and the PKCS#8 key.
    /// </summary>
    public static void WriteSelfSignedCertificate(string certificatePath, string keyPath, IReadOnlyList<string> names, string listenAddress = LoopbackHost)
    {
        ArgumentOutOfRangeException.ThrowIfZero(names.Count);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + names[0]), key, HashAlgorithmName.SHA256);
        var subjectAlternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            subjectAlternativeNames.AddDnsName(name);
        }
        subjectAlternativeNames.AddIpAddress(IPAddress.Loopback);
        var listen = IPAddress.Parse(listenAddress);
        if (!listen.Equals(IPAddress.Loopback))
        {
            subjectAlternativeNames.AddIpAddress(listen);
        }
        request.CertificateExtensions.Add(subjectAlternativeNames.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        // serverAuth for c2s/s2s listeners, clientAuth because a server is the client of an outgoing s2s link.
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <summary>Replaces every {{NAME}} in <paramref name="template"/>; fails if one is left unreplaced.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values)
    {
        var text = template;
        foreach (var (name, value) in values)
        {
            text = text.Replace("{{" + name + "}}", value, StringComparison.Ordinal);
        }
        var left = text.IndexOf("{{", StringComparison.Ordinal);
        if (left >= 0)
        {
            var end = text.IndexOf("}}", left, StringComparison.Ordinal);
            throw new InvalidOperationException(
                $"Template placeholder {text[left..(end < 0 ? Math.Min(text.Length, left + 40) : end + 2)]} has no value.");
        }
        return text;
    }

    /// <summary>The last <paramref name="lines"/> lines of a text file (empty if it does not exist yet).</summary>
    public static string Tail(string path, int lines = 40)
    {
        if (!File.Exists(path))
        {
            return $"({path} does not exist)";
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>Reads a log file from a byte offset (the part written since a start), tolerating concurrent writes.</summary>
    public static string ReadFrom(string path, long offset)
    {
        if (!File.Exists(path))
        {
            return string.Empty;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (offset > stream.Length)
        {
            offset = 0;
        }
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The current length of a file, 0 if it does not exist.</summary>
    public static long LengthOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
