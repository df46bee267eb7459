using CleverCloud.TestSupport.Xmpp;

namespace CleverCloud.Xmpp.Tests.Servers;

/// <summary>
/// What every real-server fixture must do, checked against the real server: serve XMPP streams for its domain with
/// mandatory STARTTLS (RFC 6120 §5.3.1), create accounts, survive a crash and restart on the same port, and leave no
/// process behind. Subclasses say which server.
/// </summary>
public abstract class XmppServerContract
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);
    private IXmppTestServer? shared;

    protected abstract Task<IXmppTestServer> StartServerAsync(XmppServerOptions options, CancellationToken cancellationToken);

    protected IXmppTestServer Shared => shared ?? throw new InvalidOperationException("OneTimeSetUp did not run.");

    [OneTimeSetUp]
    public async Task StartSharedServer()
    {
        shared = await StartServerAsync(new XmppServerOptions(), CancellationToken.None);
        TestContext.Progress.WriteLine($"{shared.Kind}: c2s {shared.Host}:{shared.C2sPort}, s2s {shared.S2sPort}, dir {shared.DataDirectory}");
    }

    [OneTimeTearDown]
    public async Task StopSharedServer()
    {
        if (shared is not null)
        {
            await shared.DisposeAsync();
        }
    }

    [TearDown]
    public void PrintServerLogOnFailure()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed && shared is not null)
        {
            TestContext.Out.WriteLine(shared.Diagnostics());
        }
    }

    [Test]
    public async Task Port_answers_with_a_stream_header_and_requires_starttls()
    {
        var features = await XmppStreamProbe.ReadStreamFeaturesAsync(Shared.Host, Shared.C2sPort, Shared.Domain, ProbeTimeout);

        Assert.Multiple(() =>
        {
            Assert.That(features, Does.Contain("<stream:stream").Or.Contain("<stream:stream "));
            Assert.That(features, Does.Contain($"from='{Shared.Domain}'").Or.Contain($"from=\"{Shared.Domain}\""));
            Assert.That(features, Does.Contain("<stream:features"));
            Assert.That(features, Does.Contain("<starttls").And.Contain("urn:ietf:params:xml:ns:xmpp-tls"));
            Assert.That(features, Does.Contain("<required/>"), "c2s_require_encryption / starttls_required must make STARTTLS mandatory");
        });
    }

    [Test]
    public void Layout_is_the_documented_one()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Shared.Domain, Is.EqualTo("clever.test"));
            Assert.That(Shared.MucDomain, Is.EqualTo("rooms.clever.test"));
            Assert.That(Shared.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(Shared.C2sPort, Is.Not.EqualTo(Shared.S2sPort));
            Assert.That(File.ReadAllText(Shared.CertificatePath), Does.StartWith("-----BEGIN CERTIFICATE-----"));
            Assert.That(File.Exists(Shared.ConfigPath), Is.True);
            Assert.That(Shared.IsRunning, Is.True);
        });
    }

    [Test]
    public void Listens_on_loopback_only()
    {
        foreach (var port in ListeningPorts(Shared))
        {
            Assert.That(ListeningAddresses(port), Is.EqualTo(new[] { "0100007F" }), $"port {port} must be bound to 127.0.0.1 only");
        }
    }

    /// <summary>The ports the server is meant to listen on.</summary>
    protected virtual IEnumerable<int> ListeningPorts(IXmppTestServer server) => [server.C2sPort, server.S2sPort];

    /// <summary>Local addresses (kernel hex) of TCP sockets listening on <paramref name="port"/>, IPv4 and IPv6.</summary>
    protected static IReadOnlyList<string> ListeningAddresses(int port)
    {
        var hexPort = port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        return [.. new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .SelectMany(File.ReadLines)
            .Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 3 && fields[3] == "0A" && fields[1].EndsWith(":" + hexPort, StringComparison.Ordinal))
            .Select(fields => fields[1].Split(':')[0])];
    }

    [Test]
    public async Task Registered_users_exchange_a_message_through_an_independent_client()
    {
        var alice = new XmppAccount("alice-" + Guid.NewGuid().ToString("N")[..8], Shared.Domain, "alice-secret");
        var bob = new XmppAccount("bob-" + Guid.NewGuid().ToString("N")[..8], Shared.Domain, "bob-secret");
        await Shared.RegisterAsync(alice.User, alice.Password);
        await Shared.RegisterAsync(bob.User, bob.Password);
        var text = "hello-" + Guid.NewGuid().ToString("N");

        await using var listener = GoSendXmpp.Listen(Shared, bob);
        // go-sendxmpp -l prints nothing when it is online, and a message to an offline account would only be stored;
        // resend until the listener prints it (each send is a complete login: proves TLS trust and SASL each time).
        var received = await SendUntilReceivedAsync(listener, () => GoSendXmpp.SendAsync(Shared, alice, bob.Jid, text), text);

        Assert.That(received, Does.Contain(text).And.Contain(alice.Jid));
    }

    [Test]
    public async Task Wrong_password_is_refused()
    {
        var carol = new XmppAccount("carol-" + Guid.NewGuid().ToString("N")[..8], Shared.Domain, "carol-secret");
        await Shared.RegisterAsync(carol.User, carol.Password);

        var result = await GoSendXmpp.RunAsync(
            Shared, GoSendXmpp.ConnectionArguments(Shared, carol with { Password = "wrong" }).Append(carol.Jid), "x", TimeSpan.FromSeconds(60));

        Assert.That(result.ExitCode, Is.Not.Zero, result.CombinedOutput);
    }

    [Test]
    public async Task Independent_client_rejects_a_certificate_it_was_not_told_to_trust()
    {
        var erin = new XmppAccount("erin-" + Guid.NewGuid().ToString("N")[..8], Shared.Domain, "erin-secret");
        await Shared.RegisterAsync(erin.User, erin.Password);
        var otherDirectory = Directory.CreateTempSubdirectory("clever-othercert-");
        try
        {
            var otherCertificate = Path.Combine(otherDirectory.FullName, "other.crt");
            ServerEnvironment.WriteSelfSignedCertificate(otherCertificate, Path.Combine(otherDirectory.FullName, "other.key"), [Shared.Domain]);

            var result = await ToolRunner.RunAsync(
                GoSendXmpp.ExecutablePath,
                GoSendXmpp.ConnectionArguments(Shared, erin).Append(erin.Jid),
                TimeSpan.FromSeconds(60),
                new Dictionary<string, string> { ["SSL_CERT_FILE"] = otherCertificate, ["SSL_CERT_DIR"] = "/nonexistent" },
                "x");

            Assert.That(result.ExitCode, Is.Not.Zero, "the login must fail TLS verification: " + result.CombinedOutput);
            Assert.That(result.CombinedOutput, Does.Contain("certificate").IgnoreCase);
        }
        finally
        {
            otherDirectory.Delete(recursive: true);
        }
    }

    [Test]
    public async Task Kill_then_restart_serves_the_same_port_and_keeps_accounts()
    {
        await using var server = await StartServerAsync(new XmppServerOptions(), CancellationToken.None);
        var dave = new XmppAccount("dave", server.Domain, "dave-secret");
        await server.RegisterAsync(dave.User, dave.Password);
        // An orderly restart first: ejabberd keeps accounts in Mnesia disc_only (dets) tables whose writes are cached
        // for a few seconds, so an account registered just before a SIGKILL can be lost there (Prosody writes at once).
        await server.RestartAsync();
        var port = server.C2sPort;
        var firstPid = server.ProcessId ?? throw new AssertionException("no PID after start");
        var processes = server.ProcessIds();

        await server.KillAsync();

        Assert.Multiple(() =>
        {
            Assert.That(server.IsRunning, Is.False);
            Assert.That(processes, Does.Contain(firstPid));
            Assert.That(processes.Where(ServerProcess.IsAlive), Is.Empty, "every process of the server must be gone");
            Assert.That(ServerProcess.GroupMembers(firstPid), Is.Empty);
        });

        await server.RestartAsync();
        var features = await XmppStreamProbe.ReadStreamFeaturesAsync(server.Host, server.C2sPort, server.Domain, ProbeTimeout);
        var login = await GoSendXmpp.RunAsync(
            server, GoSendXmpp.ConnectionArguments(server, dave).Append(dave.Jid), "after restart", TimeSpan.FromSeconds(60));

        Assert.Multiple(() =>
        {
            Assert.That(server.C2sPort, Is.EqualTo(port));
            Assert.That(server.ProcessId, Is.Not.Null.And.Not.EqualTo(firstPid));
            Assert.That(features, Does.Contain("<starttls"));
            Assert.That(login.ExitCode, Is.Zero, "an account created before the crash must still log in: " + login.CombinedOutput);
        });
    }

    [Test]
    public async Task Dispose_leaves_no_process_and_no_directory()
    {
        var server = await StartServerAsync(new XmppServerOptions { Domain = "dispose.test" }, CancellationToken.None);
        var pid = server.ProcessId ?? throw new AssertionException("no PID after start");
        var directory = server.DataDirectory;
        var processes = server.ProcessIds();
        TestContext.Progress.WriteLine($"{server.Kind} processes: {string.Join(", ", processes.Select(p => $"{p} {ProcessName(p)}"))}");
        Assert.That(processes, Does.Contain(pid));

        await server.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(processes.Where(ServerProcess.IsAlive), Is.Empty, "no process of the server may survive");
            Assert.That(ServerProcess.GroupMembers(pid), Is.Empty);
            Assert.That(Directory.Exists(directory), Is.False);
        });
    }

    private static string ProcessName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "(gone)";
        }
    }

    protected static async Task<string> SendUntilReceivedAsync(GoSendXmppListener listener, Func<Task<ToolResult>> send, string text)
    {
        for (var attempt = 1; ; attempt++)
        {
            await send();
            try
            {
                return await listener.WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), TimeSpan.FromSeconds(3));
            }
            catch (TimeoutException) when (attempt < 10)
            {
                // The listener was not online yet: its copy went to offline storage. Send again.
            }
        }
    }
}
