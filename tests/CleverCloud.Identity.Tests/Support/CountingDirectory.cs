using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Directory;

namespace CleverCloud.Identity.Tests.Support;

/// <summary>Decorates a real directory and counts the look-ups that reach it.</summary>
public sealed class CountingDirectory(ICertificateDirectory inner) : ICertificateDirectory
{
    private int finds;
    private int crlReads;

    public int Finds => Volatile.Read(ref finds);

    public int CrlReads => Volatile.Read(ref crlReads);

    public Task PublishCertificateAsync(string bareJid, AgentRole role, X509Certificate2 certificate, CancellationToken ct) =>
        inner.PublishCertificateAsync(bareJid, role, certificate, ct);

    public Task RemoveCertificateAsync(string bareJid, CancellationToken ct) => inner.RemoveCertificateAsync(bareJid, ct);

    public Task PublishCrlAsync(byte[] crlDer, CancellationToken ct) => inner.PublishCrlAsync(crlDer, ct);

    public Task<X509Certificate2?> FindCertificateAsync(string bareJid, CancellationToken ct)
    {
        Interlocked.Increment(ref finds);
        return inner.FindCertificateAsync(bareJid, ct);
    }

    public Task<byte[]?> GetCrlAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref crlReads);
        return inner.GetCrlAsync(ct);
    }
}
