using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Transport;

/// <summary>TLS could not be established or the server's certificate is not trusted. Not transient.</summary>
public sealed class TlsNegotiationException(string message, Exception? inner = null) : XmppException(message, isTransient: false, inner);

/// <summary>
/// One TCP connection to the server, optionally upgraded to TLS. It knows bytes, not XML: the session feeds what it
/// reads to the parser. The server certificate is checked against the configured trust anchor (or the system's),
/// never accepted blindly.
/// </summary>
public sealed class TcpTransport : IAsyncDisposable
{
    private readonly Socket _socket;
    private Stream _stream;
    private SslStream? _tls;

    private TcpTransport(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public Stream Stream => _stream;

    public bool IsEncrypted => _tls is not null;

    /// <summary>The server certificate when TLS is up (for tls-server-end-point bindings and diagnostics).</summary>
    public X509Certificate2? RemoteCertificate => _tls?.RemoteCertificate as X509Certificate2;

    public static async Task<TcpTransport> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new XmppException($"cannot connect to {host}:{port}: {ex.Message}", isTransient: true, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        return new TcpTransport(socket);
    }

    public async Task UpgradeToTlsAsync(TlsSettings settings, CancellationToken cancellationToken)
    {
        if (_tls is not null)
            throw new InvalidOperationException("TLS is already established.");
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = settings.ServerName,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => settings.Validate(certificate, errors),
        };
        if (settings.ClientCertificate is not null)
            options.ClientCertificates = [settings.ClientCertificate];
        try
        {
            await tls.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Security.Authentication.AuthenticationException ex)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new TlsNegotiationException($"TLS with {settings.ServerName} failed: {settings.LastRejection ?? ex.Message}", ex);
        }
        catch (IOException ex)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new XmppException($"connection lost during the TLS handshake with {settings.ServerName}: {ex.Message}", isTransient: true, ex);
        }
        _tls = tls;
        _stream = tls;
    }

    /// <summary>Tears the connection down at once (a stalled peer, a protocol violation): pending reads fail.</summary>
    public void Abort()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already closed by the peer: nothing left to shut down.
        }
        catch (ObjectDisposedException)
        {
            // Already disposed by the reader: nothing left to shut down.
        }
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}

/// <summary>How the server's certificate is judged.</summary>
public sealed class TlsSettings
{
    private readonly X509Certificate2Collection? _trustAnchors;

    /// <param name="serverName">The XMPP domain: the certificate must be issued for it (RFC 6125).</param>
    /// <param name="trustedCertificateFile">PEM/DER file with the CA (or self-signed server) certificates to trust
    /// instead of the system store; null to use the system store.</param>
    public TlsSettings(string serverName, string? trustedCertificateFile, X509Certificate2? clientCertificate)
    {
        ServerName = serverName;
        ClientCertificate = clientCertificate;
        if (trustedCertificateFile is not null)
        {
            _trustAnchors = [];
            try
            {
                _trustAnchors.ImportFromPemFile(trustedCertificateFile);
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                _trustAnchors.Add(X509CertificateLoader.LoadCertificateFromFile(trustedCertificateFile));
            }
            if (_trustAnchors.Count == 0)
                throw new TlsNegotiationException($"no certificate found in trust file '{trustedCertificateFile}'");
        }
    }

    public string ServerName { get; }
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>Why the last certificate was refused, for the error message.</summary>
    public string? LastRejection { get; private set; }

    internal bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            LastRejection = "the server sent no certificate";
            return false;
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            LastRejection = $"the server certificate is not issued for '{ServerName}'";
            return false;
        }
        if (_trustAnchors is null)
        {
            if (errors == SslPolicyErrors.None)
                return true;
            LastRejection = $"the server certificate is not trusted by the system store ({errors})";
            return false;
        }

        // Our own trust anchors replace the system store: the chain must end in one of them.
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trustAnchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (chain.Build(leaf))
            return true;
        // A self-signed server certificate given as the trust file is trusted as itself.
        foreach (var anchor in _trustAnchors)
        {
            if (anchor.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span) && leaf.NotAfter > DateTime.Now && leaf.NotBefore < DateTime.Now)
                return true;
        }
        LastRejection = "the server certificate does not chain to the configured trust anchor: "
            + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
        return false;
    }
}
