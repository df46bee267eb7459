using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Identity.Bootstrap;

/// <summary>The agent's own identity: its certificate with private key, the CA chain, its address and role.</summary>
public sealed class AgentIdentity : IDisposable
{
    public AgentIdentity(string xmppAddress, AgentRole role, X509Certificate2 certificate, X509Certificate2Collection chain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(xmppAddress);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException("The agent's certificate must carry its private key.", nameof(certificate));
        }
        XmppAddress = xmppAddress;
        Role = role;
        Certificate = certificate;
        Chain = chain;
    }

    public string XmppAddress { get; }

    public AgentRole Role { get; }

    /// <summary>The certificate with its private key (<c>GetECDsaPrivateKey()</c> / <c>GetRSAPrivateKey()</c>).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate(s) above <see cref="Certificate"/>.</summary>
    public X509Certificate2Collection Chain { get; }

    public DateTimeOffset NotBefore => new(Certificate.NotBefore.ToUniversalTime());

    public DateTimeOffset NotAfter => new(Certificate.NotAfter.ToUniversalTime());

    /// <summary>When renewal is due: after <paramref name="fraction"/> of the lifetime.</summary>
    public DateTimeOffset RenewalTime(double fraction) => NotBefore + ((NotAfter - NotBefore) * fraction);

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var certificate in Chain)
        {
            certificate.Dispose();
        }
    }
}

/// <summary>The identity changed (renewal): switch signing keys to <see cref="Current"/>.</summary>
public sealed class AgentIdentityChangedEventArgs(AgentIdentity? previous, AgentIdentity current) : EventArgs
{
    /// <summary>The identity replaced, or null at first load. It is not disposed: a message being signed may still use it.</summary>
    public AgentIdentity? Previous { get; } = previous;

    public AgentIdentity Current { get; } = current;
}

/// <summary>
/// Holds the agent's current identity for the rest of the process (messaging layer, room admission). Set at start by
/// <see cref="CertificateRenewalService"/> (through <see cref="IdentityBootstrapper"/>) and replaced on renewal.
/// </summary>
public sealed class AgentIdentityProvider
{
    private AgentIdentity? current;

    /// <summary>Raised after <see cref="Current"/> changed, on the thread that changed it.</summary>
    public event EventHandler<AgentIdentityChangedEventArgs>? IdentityChanged;

    public bool IsLoaded => Volatile.Read(ref current) is not null;

    /// <exception cref="InvalidOperationException">Before the identity was loaded (the hosted service has not started).</exception>
    public AgentIdentity Current => Volatile.Read(ref current)
        ?? throw new InvalidOperationException("The agent identity is not loaded yet: AddAgentIdentity's hosted service loads it at start.");

    public void Set(AgentIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var previous = Interlocked.Exchange(ref current, identity);
        IdentityChanged?.Invoke(this, new AgentIdentityChangedEventArgs(previous, identity));
    }
}
