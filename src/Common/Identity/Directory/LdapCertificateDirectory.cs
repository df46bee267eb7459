using System.DirectoryServices.Protocols;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;
using CleverCloud.Identity.Keystore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Directory;

/// <summary>
/// <see cref="ICertificateDirectory"/> over LDAP (System.DirectoryServices.Protocols, i.e. OpenLDAP's libldap on
/// Linux). Agent entries are <c>uid=&lt;bare JID&gt;,ou=agents,&lt;base&gt;</c> (inetOrgPerson + pkiUser, role in
/// employeeType, <c>userCertificate;binary</c>); the CRL is <c>certificateRevocationList;binary</c> on
/// <c>cn=ca,&lt;base&gt;</c> (cRLDistributionPoint + pkiCA).
/// </summary>
/// <remarks>
/// One connection, used by one operation at a time (operations are rare: publication, and look-ups behind the
/// resolver's cache), created lazily and dropped after any connection-level failure so the next call reconnects.
/// libldap calls block, so they run on the thread pool. <see cref="LdapDirectoryOptions.OperationTimeout"/> is
/// enforced here, not by libldap: measured against a frozen slapd, a request sent on an established connection
/// never returned although System.DirectoryServices.Protocols was given the timeout. A call that overruns is
/// abandoned together with its connection (a "session"); the next call opens a new one, and the stuck call disposes
/// its connection whenever libldap returns. The caller's token only abandons the caller's wait.
/// </remarks>
public sealed class LdapCertificateDirectory : ICertificateDirectory, IDisposable
{
    public const string CertificateAttribute = "userCertificate;binary";
    public const string CrlAttribute = "certificateRevocationList;binary";
    public const string RoleAttribute = "employeeType";

    // libldap reports connection-level failures with its own negative codes on Linux (LDAP_SERVER_DOWN -1,
    // LDAP_TIMEOUT -5, LDAP_CONNECT_ERROR -11); WinLDAP uses 81, 85 and 91 for the same conditions.
    private static readonly HashSet<int> UnreachableErrorCodes = [-1, -5, -11, 81, 85, 91];

    private readonly LdapDirectoryOptions options;
    private readonly ILogger<LdapCertificateDirectory> logger;
    private readonly string? trustDirectory;
    private readonly Uri uri;
    private Session session = new();
    private bool disposed;

    /// <exception cref="OptionsValidationException">The options are invalid; the message names each bad setting.</exception>
    public LdapCertificateDirectory(LdapDirectoryOptions options, ILogger<LdapCertificateDirectory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var validation = new LdapDirectoryOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(nameof(LdapDirectoryOptions), typeof(LdapDirectoryOptions), validation.Failures);
        }
        this.options = options;
        this.logger = logger;
        uri = new Uri(options.Uri);
        if (options.TrustedCaFile is not null)
        {
            trustDirectory = CreateTrustDirectory(options.TrustedCaFile);
        }
    }

    public Task PublishCertificateAsync(string bareJid, AgentRole role, X509Certificate2 certificate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        CheckAddress(bareJid, "publish");
        var (certifiedAddress, certifiedRole) = CertificateIdentity.Read(certificate);
        if (!string.Equals(certifiedAddress, bareJid, StringComparison.OrdinalIgnoreCase))
        {
            // Publishing a certificate under another entity's name would let it impersonate that entity.
            var reason = $"the certificate is for '{certifiedAddress ?? "no xmppAddr"}', not '{bareJid}'";
            DirectoryLog.InputRefused(logger, "publish", reason);
            throw new ArgumentException($"Refusing to publish: {reason}.", nameof(certificate));
        }
        if (certifiedRole is not null && certifiedRole != role)
        {
            // employeeType must not claim another role than the certificate (readers may filter on it).
            var reason = $"the certificate's role is {certifiedRole}, not {role}";
            DirectoryLog.InputRefused(logger, "publish", reason);
            throw new ArgumentException($"Refusing to publish: {reason}.", nameof(role));
        }
        var roleName = role.ToWire();
        var der = certificate.RawData;
        var dn = AgentDn(bareJid);
        return RunAsync("publish", ldap =>
        {
            var replace = new ModifyRequest(dn,
                Replace(CertificateAttribute, der),
                Replace(RoleAttribute, roleName),
                Replace("cn", bareJid),
                Replace("sn", bareJid));
            if (!TrySend(ldap, replace, ResultCode.NoSuchObject))
            {
                var add = new AddRequest(dn,
                    new DirectoryAttribute("objectClass", "top", "person", "organizationalPerson", "inetOrgPerson", "pkiUser"),
                    new DirectoryAttribute("uid", bareJid),
                    new DirectoryAttribute("cn", bareJid),
                    new DirectoryAttribute("sn", bareJid),
                    new DirectoryAttribute(RoleAttribute, roleName),
                    new DirectoryAttribute(CertificateAttribute, der));
                if (!TrySend(ldap, add, ResultCode.EntryAlreadyExists))
                {
                    // Another publisher created it between our modify and add: ours is the newer value.
                    Send(ldap, replace);
                }
            }
            DirectoryLog.CertificatePublished(logger, bareJid, roleName, certificate.SerialNumber, dn);
            return true;
        }, ct);
    }

    public Task RemoveCertificateAsync(string bareJid, CancellationToken ct)
    {
        CheckAddress(bareJid, "remove");
        var dn = AgentDn(bareJid);
        return RunAsync("remove", ldap =>
        {
            if (TrySend(ldap, new DeleteRequest(dn), ResultCode.NoSuchObject))
            {
                DirectoryLog.CertificateRemoved(logger, bareJid);
            }
            else
            {
                DirectoryLog.NothingToRemove(logger, bareJid);
            }
            return true;
        }, ct);
    }

    public Task PublishCrlAsync(byte[] crlDer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(crlDer);
        if (crlDer.Length == 0 || crlDer[0] != 0x30)
        {
            DirectoryLog.InputRefused(logger, "publish CRL", "the CRL is not DER (it must start with a SEQUENCE)");
            throw new ArgumentException("The CRL must be DER encoded (a SEQUENCE).", nameof(crlDer));
        }
        var copy = (byte[])crlDer.Clone();
        var dn = options.CaDn;
        return RunAsync("publish CRL", ldap =>
        {
            var replace = new ModifyRequest(dn, Replace(CrlAttribute, copy));
            if (!TrySend(ldap, replace, ResultCode.NoSuchObject))
            {
                var add = new AddRequest(dn,
                    new DirectoryAttribute("objectClass", "top", "cRLDistributionPoint", "pkiCA"),
                    new DirectoryAttribute("cn", "ca"),
                    new DirectoryAttribute(CrlAttribute, copy));
                if (!TrySend(ldap, add, ResultCode.EntryAlreadyExists))
                {
                    Send(ldap, replace);
                }
            }
            DirectoryLog.CrlPublished(logger, copy.Length, dn);
            return true;
        }, ct);
    }

    public Task<X509Certificate2?> FindCertificateAsync(string bareJid, CancellationToken ct)
    {
        CheckAddress(bareJid, "find");
        var filter = $"(&(objectClass=pkiUser)(uid={LdapNames.EscapeFilterValue(bareJid)}))";
        return RunAsync("find", ldap =>
        {
            var request = new SearchRequest(options.AgentsDn, filter, SearchScope.OneLevel, CertificateAttribute) { SizeLimit = 2 };
            var response = (SearchResponse)Send(ldap, request);
            DirectoryLog.Lookup(logger, bareJid, response.Entries.Count);
            if (response.Entries.Count == 0)
            {
                return null;
            }
            if (response.Entries.Count > 1)
            {
                throw BadData(bareJid, "more than one entry matches this address");
            }
            var values = ReadBinaryValues(response.Entries[0], CertificateAttribute);
            if (values.Count != 1)
            {
                throw BadData(bareJid, $"the entry holds {values.Count} certificates instead of one");
            }
            try
            {
                return X509CertificateLoader.LoadCertificate(values[0]);
            }
            catch (CryptographicException exception)
            {
                throw BadData(bareJid, "the published certificate is not valid DER", exception);
            }
        }, ct);
    }

    public Task<byte[]?> GetCrlAsync(CancellationToken ct)
    {
        var dn = options.CaDn;
        return RunAsync<byte[]?>("get CRL", ldap =>
        {
            var request = new SearchRequest(dn, "(objectClass=*)", SearchScope.Base, CrlAttribute);
            SearchResponse response;
            try
            {
                response = (SearchResponse)Send(ldap, request);
            }
            catch (DirectoryOperationException exception) when (exception.Response?.ResultCode == ResultCode.NoSuchObject)
            {
                return null;
            }
            var values = response.Entries.Count == 1 ? ReadBinaryValues(response.Entries[0], CrlAttribute) : [];
            return values.Count == 0 ? null : values[0];
        }, ct);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }
        disposed = true;
        var current = Volatile.Read(ref session);
        // Wait for an operation still running on the pool so the connection is not disposed under it; if one is
        // stuck beyond its timeout, the session is abandoned and the stuck call disposes the connection itself.
        if (current.Gate.Wait(options.OperationTimeout))
        {
            current.DropConnection();
            current.Gate.Release();
        }
        else
        {
            current.Abandoned = true;
        }
        if (trustDirectory is not null)
        {
            System.IO.Directory.Delete(trustDirectory, recursive: true);
        }
    }

    /// <summary>The DN of an agent's entry, with the address escaped per RFC 4514.</summary>
    public string AgentDn(string bareJid) => $"uid={LdapNames.EscapeDnValue(bareJid)},{options.AgentsDn}";

    private void CheckAddress(string bareJid, string operation)
    {
        ArgumentNullException.ThrowIfNull(bareJid);
        var problem = BareJid.Problem(bareJid);
        if (problem is not null)
        {
            DirectoryLog.InputRefused(logger, operation, problem);
            throw new ArgumentException($"Invalid XMPP address for {operation}: {problem}.", nameof(bareJid));
        }
    }

    private async Task<T> RunAsync<T>(string operation, Func<LdapConnection, T> body, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var current = await EnterSessionAsync(operation, ct).ConfigureAwait(false);
        // The gate is released by the work item itself, so an abandoned (cancelled or timed-out) call never lets a
        // second operation use the connection while the first is still inside libldap.
        var work = Task.Run(() =>
        {
            try
            {
                return Execute(current, operation, body);
            }
            finally
            {
                if (current.Abandoned)
                {
                    current.DropConnection();
                }
                current.Gate.Release();
            }
        }, CancellationToken.None);
        try
        {
            return await work.WaitAsync(options.OperationTimeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            Abandon(current);
            // Observe the abandoned call's eventual failure so it is not reported as an unobserved task exception.
            _ = work.ContinueWith(static finished => finished.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            DirectoryLog.Unavailable(logger, options.Uri, operation, $"no answer within {options.OperationTimeout}");
            throw new DirectoryUnavailableException($"The directory {options.Uri} did not answer {operation} within {options.OperationTimeout}.", exception);
        }
    }

    /// <summary>Waits for the current session; a session held longer than the timeout is hung and gets replaced.</summary>
    private async Task<Session> EnterSessionAsync(string operation, CancellationToken ct)
    {
        while (true)
        {
            var current = Volatile.Read(ref session);
            if (await current.Gate.WaitAsync(options.OperationTimeout, ct).ConfigureAwait(false))
            {
                return current;
            }
            DirectoryLog.Unavailable(logger, options.Uri, operation, "the previous operation is still blocked; opening a new connection");
            Abandon(current);
        }
    }

    private void Abandon(Session current)
    {
        current.Abandoned = true;
        Interlocked.CompareExchange(ref session, new Session(), current);
    }

    private T Execute<T>(Session current, string operation, Func<LdapConnection, T> body)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        try
        {
            current.Connection ??= Connect();
            return body(current.Connection);
        }
        catch (LdapException exception)
        {
            current.DropConnection();
            throw Map(operation, exception);
        }
        catch (DirectoryOperationException exception)
        {
            var code = exception.Response?.ResultCode;
            if (code is ResultCode.Unavailable or ResultCode.Busy or null)
            {
                current.DropConnection();
            }
            if (exception is TlsOperationException)
            {
                DirectoryLog.TlsFailed(logger, options.Uri, operation, exception.Message);
                throw new DirectoryTlsException($"TLS with {options.Uri} failed: {exception.Message}", exception);
            }
            var resultCode = code ?? ResultCode.Other;
            var detail = string.IsNullOrEmpty(exception.Response?.ErrorMessage) ? exception.Message : $"{exception.Message} ({exception.Response.ErrorMessage})";
            DirectoryLog.OperationFailed(logger, operation, resultCode.ToString(), detail);
            throw new DirectoryOperationFailedException($"LDAP {operation} failed with {resultCode} ({(int)resultCode}): {detail}", (int)resultCode, exception);
        }
        catch (DirectoryTlsException exception)
        {
            // Raised by StartTls while connecting; the half-made connection is already released.
            DirectoryLog.TlsFailed(logger, options.Uri, operation, exception.Message);
            current.DropConnection();
            throw;
        }
    }

    private DirectoryException Map(string operation, LdapException exception)
    {
        var reason = string.IsNullOrEmpty(exception.ServerErrorMessage) ? exception.Message : $"{exception.Message} ({exception.ServerErrorMessage})";
        if (UnreachableErrorCodes.Contains(exception.ErrorCode))
        {
            DirectoryLog.Unavailable(logger, options.Uri, operation, reason);
            return new DirectoryUnavailableException($"The directory {options.Uri} is unavailable: {reason}", exception);
        }
        DirectoryLog.OperationFailed(logger, operation, exception.ErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture), reason);
        return new DirectoryOperationFailedException($"LDAP {operation} failed (code {exception.ErrorCode}): {reason}", exception.ErrorCode, exception);
    }

    private LdapConnection Connect()
    {
        var secure = uri.Scheme == "ldaps";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (secure ? 636 : 389) : uri.Port;
        var identifier = new LdapDirectoryIdentifier(uri.Host, port, fullyQualifiedDnsHostName: false, connectionless: false);
        var created = new LdapConnection(identifier)
        {
            AuthType = options.BindDn is null ? AuthType.Anonymous : AuthType.Basic,
            Timeout = options.OperationTimeout,
        };
        try
        {
            created.SessionOptions.ProtocolVersion = 3;
            created.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
            if (trustDirectory is not null && OperatingSystem.IsLinux())
            {
                // libldap (Linux) takes its trust anchors from a directory; a fresh TLS context makes it re-read the
                // options set on this handle instead of the process-wide defaults (LDAPTLS_CACERT, ldap.conf).
                created.SessionOptions.TrustedCertificatesDirectory = trustDirectory;
                created.SessionOptions.StartNewTlsSessionContext();
            }
            if (secure)
            {
                created.SessionOptions.SecureSocketLayer = true;
            }
            if (options.StartTls)
            {
                // On Linux, System.DirectoryServices.Protocols gives libldap the server URI and connects only inside
                // Bind(); a StartTLS sent before that goes to libldap's default host. An anonymous bind (no secret
                // on the wire) makes the connection, then StartTLS upgrades it, then the real bind runs over TLS.
                created.Bind(new NetworkCredential(string.Empty, string.Empty));
                StartTls(created);
            }
            if (options.BindDn is null)
            {
                created.Bind();
            }
            else
            {
                var password = options.BindPassword ?? SecretFile.Read(options.BindPasswordFile!);
                created.Bind(new NetworkCredential(options.BindDn, password));
            }
            DirectoryLog.Connected(logger, options.Uri, options.StartTls, options.BindDn ?? "anonymous");
            return created;
        }
        catch
        {
            // Not a swallow: the half-made connection is released and the failure propagates to Execute's mapping.
            created.Dispose();
            throw;
        }
    }

    private void StartTls(LdapConnection created)
    {
        try
        {
            created.SessionOptions.StartTransportLayerSecurity(null);
        }
        catch (DirectoryOperationException exception)
        {
            throw new DirectoryTlsException($"StartTLS with {options.Uri} failed: {exception.Message}", exception);
        }
        catch (LdapException exception) when (exception.ErrorCode is not (81 or -1))
        {
            // The TCP connection and the anonymous bind just worked, so "cannot connect" (91 / -11) here is libldap
            // refusing the handshake, typically an untrusted server certificate or a name mismatch. Only "server
            // down" stays an availability problem.
            throw new DirectoryTlsException($"StartTLS with {options.Uri} failed: {exception.Message} {exception.ServerErrorMessage}", exception);
        }
    }

    private DirectoryResponse Send(LdapConnection ldap, DirectoryRequest request) => ldap.SendRequest(request, options.OperationTimeout);

    /// <summary>Sends; returns false when the server answered <paramref name="tolerated"/>, throws on other failures.</summary>
    private bool TrySend(LdapConnection ldap, DirectoryRequest request, ResultCode tolerated)
    {
        try
        {
            _ = Send(ldap, request);
            return true;
        }
        catch (DirectoryOperationException exception) when (exception.Response?.ResultCode == tolerated)
        {
            return false;
        }
    }

    private static DirectoryAttributeModification Replace(string name, string value)
    {
        var modification = new DirectoryAttributeModification { Name = name, Operation = DirectoryAttributeOperation.Replace };
        modification.Add(value);
        return modification;
    }

    private static DirectoryAttributeModification Replace(string name, byte[] value)
    {
        var modification = new DirectoryAttributeModification { Name = name, Operation = DirectoryAttributeOperation.Replace };
        modification.Add(value);
        return modification;
    }

    private static List<byte[]> ReadBinaryValues(SearchResultEntry entry, string attribute)
    {
        // Servers may name the attribute with or without the ;binary option in the answer, in any letter case.
        foreach (string name in entry.Attributes.AttributeNames)
        {
            if (string.Equals(name, attribute, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, attribute.Split(';')[0], StringComparison.OrdinalIgnoreCase))
            {
                return [.. entry.Attributes[name].GetValues(typeof(byte[])).Cast<byte[]>()];
            }
        }
        return [];
    }

    private DirectoryDataException BadData(string address, string reason, Exception? inner = null)
    {
        DirectoryLog.BadData(logger, address, reason);
        return new DirectoryDataException($"The directory entry of '{address}' is unusable: {reason}.", inner);
    }


    private static string CreateTrustDirectory(string trustedCaFile)
    {
        // libldap wants a directory of trust anchors; a private copy keeps unrelated files out of our trust.
        var directory = Path.Combine(Path.GetTempPath(), "clever-ldap-trust-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        File.Copy(trustedCaFile, Path.Combine(directory, "trusted-ca.pem"));
        return directory;
    }

    /// <summary>A connection and the gate that lets one operation at a time use it.</summary>
    private sealed class Session
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public LdapConnection? Connection { get; set; }

        /// <summary>Replaced after a hang: whoever holds the gate disposes the connection when done.</summary>
        public volatile bool Abandoned;

        public void DropConnection()
        {
            Connection?.Dispose();
            Connection = null;
        }
    }
}
