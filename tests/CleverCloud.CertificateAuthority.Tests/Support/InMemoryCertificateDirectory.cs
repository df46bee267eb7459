using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;

namespace CleverCloud.CertificateAuthority.Tests.Support;

/// <summary>
/// Unit-test double of the directory (the integration tests use the real slapd). <see cref="Available"/> = false
/// makes every call fail the way the LDAP class does when the server is unreachable.
/// </summary>
internal sealed class InMemoryCertificateDirectory : ICertificateDirectory
{
    private readonly ConcurrentDictionary<string, byte[]> certificates = new(StringComparer.OrdinalIgnoreCase);
    private byte[]? crl;

    public volatile bool Available = true;

    public int PublishCount;

    public IReadOnlyDictionary<string, byte[]> Certificates => certificates;

    public byte[]? Crl => crl;

    public Task PublishCertificateAsync(string bareJid, AgentRole role, X509Certificate2 certificate, CancellationToken ct)
    {
        ThrowIfUnavailable();
        certificates[bareJid] = certificate.RawData;
        Interlocked.Increment(ref PublishCount);
        return Task.CompletedTask;
    }

    public Task RemoveCertificateAsync(string bareJid, CancellationToken ct)
    {
        ThrowIfUnavailable();
        certificates.TryRemove(bareJid, out _);
        return Task.CompletedTask;
    }

    public Task PublishCrlAsync(byte[] crlDer, CancellationToken ct)
    {
        ThrowIfUnavailable();
        crl = crlDer;
        return Task.CompletedTask;
    }

    public Task<X509Certificate2?> FindCertificateAsync(string bareJid, CancellationToken ct)
    {
        ThrowIfUnavailable();
        return Task.FromResult(certificates.TryGetValue(bareJid, out var der) ? X509CertificateLoader.LoadCertificate(der) : null);
    }

    public Task<byte[]?> GetCrlAsync(CancellationToken ct)
    {
        ThrowIfUnavailable();
        return Task.FromResult(crl);
    }

    private void ThrowIfUnavailable()
    {
        if (!Available)
        {
            throw new DirectoryUnavailableException("in-memory directory switched off by the test", null);
        }
    }
}
