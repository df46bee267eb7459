using System.Net;
using System.Net.Sockets;
using System.Text;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Transport;
using CleverCloud.Xmpp.Xml;

namespace CleverCloud.Xmpp.Tests.Client;

/// <summary>
/// The session's reaction to hostile or broken servers, against a scripted fake server on loopback (a state-machine
/// test: the real-server behaviour is covered by the integration tests). Each case must end in a typed error, the
/// matching RFC 6120 §4.9.3 stream error sent back where the client is the one closing, and no hang.
/// </summary>
public sealed class ScriptedServerTests
{
    private const string ServerHeader =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='fake.test' id='s1' version='1.0'>";

    private const string ScramFeatures =
        "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>";

    /// <summary>Accepts one client, waits for its stream header, then plays the given server lines, capturing what the client sends.</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _run;
        private readonly StringBuilder _received = new();

        public ScriptedServer(params string[] script)
        {
            _listener.Start();
            _run = Task.Run(() => RunAsync(script));
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public string Received
        {
            get { lock (_received) return _received.ToString(); }
        }

        private async Task RunAsync(string[] script)
        {
            using var socket = await _listener.AcceptSocketAsync();
            var buffer = new byte[8192];
            // Wait for the client's stream header before answering, as a server does.
            while (!Received.Contains("<stream:stream", StringComparison.Ordinal) || !Received.TrimEnd().EndsWith('>'))
                await ReadOnceAsync(socket, buffer);
            foreach (var line in script)
            {
                if (line == "<wait-auth/>")
                {
                    while (!Received.Contains("<auth", StringComparison.Ordinal))
                        await ReadOnceAsync(socket, buffer);
                    continue;
                }
                await socket.SendAsync(Encoding.UTF8.GetBytes(line));
            }
            // Keep reading until the client closes, to capture its stream error.
            try
            {
                while (await ReadOnceAsync(socket, buffer) > 0) { }
            }
            catch (SocketException)
            {
                // The client reset the connection: done.
            }
        }

        private async Task<int> ReadOnceAsync(Socket socket, byte[] buffer)
        {
            var read = await socket.ReceiveAsync(buffer);
            if (read == 0)
                throw new SocketException((int)SocketError.ConnectionReset);
            lock (_received) _received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            return read;
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _run.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static XmppClient Client(int port) => new(new XmppClientOptions
    {
        Domain = "fake.test",
        Host = "127.0.0.1",
        Port = port,
        Username = "agent",
        Password = "secret",
        TlsMode = TlsMode.None,
        MaxStanzaBytes = 4096,
        ConnectTimeout = TimeSpan.FromSeconds(20),
    });

    private static async Task<string> ReceivedAfterCloseAsync(ScriptedServer server)
    {
        await server.DisposeAsync();
        return server.Received;
    }

    [TestCase("<!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;'>]>", XmlStreamErrorReason.ForbiddenConstruct, "restricted-xml")]
    [TestCase("<stream:features><x>&lol2;</x></stream:features>", XmlStreamErrorReason.UnknownEntity, "restricted-xml")]
    [TestCase("<stream:features><a></b></stream:features>", XmlStreamErrorReason.MismatchedTag, "not-well-formed")]
    [TestCase("<stream:features><!-- comment --></stream:features>", XmlStreamErrorReason.ForbiddenConstruct, "restricted-xml")]
    public async Task Bad_xml_from_the_server_is_a_typed_error_and_a_stream_error_back(string badInput, XmlStreamErrorReason reason, string condition)
    {
        var server = new ScriptedServer(ServerHeader, badInput);
        await using var client = Client(server.Port);
        var ex = Assert.ThrowsAsync<XmppException>(() => client.ConnectAsync(CancellationToken.None));
        Assert.That(ex!.InnerException, Is.TypeOf<XmlStreamException>());
        Assert.That(((XmlStreamException)ex.InnerException!).Reason, Is.EqualTo(reason));
        Assert.That(await ReceivedAfterCloseAsync(server), Does.Contain(condition));
        Assert.That(client.State, Is.EqualTo(ConnectionState.Disconnected));
    }

    [Test]
    public async Task Oversized_stanza_is_refused_with_policy_violation()
    {
        var server = new ScriptedServer(ServerHeader, "<stream:features><x>" + new string('a', 10_000) + "</x></stream:features>");
        await using var client = Client(server.Port);
        var ex = Assert.ThrowsAsync<XmppException>(() => client.ConnectAsync(CancellationToken.None));
        Assert.That(((XmlStreamException)ex!.InnerException!).Reason, Is.EqualTo(XmlStreamErrorReason.StanzaTooLarge));
        Assert.That(await ReceivedAfterCloseAsync(server), Does.Contain("policy-violation"));
    }

    [Test, Description("RFC 6120 §4.9: a stream error from the server ends the stream with a typed, transient-aware exception")]
    public async Task Stream_error_from_the_server_is_typed()
    {
        var server = new ScriptedServer(ServerHeader,
            "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>");
        await using var client = Client(server.Port);
        var ex = Assert.ThrowsAsync<StreamErrorException>(() => client.ConnectAsync(CancellationToken.None));
        Assert.That(ex!.Condition, Is.EqualTo(StreamErrorCondition.HostUnknown));
        await server.DisposeAsync();
    }

    [Test, Description("RFC 6120 §6.5.10: SASL not-authorized is an AuthenticationException that is not retried")]
    public async Task Sasl_failure_is_a_permanent_authentication_error()
    {
        var server = new ScriptedServer(ServerHeader, ScramFeatures, "<wait-auth/>",
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>bad password</text></failure>");
        await using var client = Client(server.Port);
        var ex = Assert.ThrowsAsync<AuthenticationException>(() => client.ConnectAsync(CancellationToken.None));
        Assert.That(ex!.IsTransient, Is.False);
        Assert.That(await ReceivedAfterCloseAsync(server), Does.Contain("mechanism='SCRAM-SHA-1'").Or.Contain("mechanism=\"SCRAM-SHA-1\""));
    }

    [Test, Description("RFC 6120 §5.3.1: with TLS required, a server that does not offer STARTTLS is refused before any credential is sent")]
    public async Task Missing_starttls_is_refused_when_tls_is_required()
    {
        var server = new ScriptedServer(ServerHeader, ScramFeatures);
        await using var client = new XmppClient(new XmppClientOptions
        {
            Domain = "fake.test", Host = "127.0.0.1", Port = server.Port, Username = "agent", Password = "secret",
            TlsMode = TlsMode.Required, ConnectTimeout = TimeSpan.FromSeconds(20),
        });
        Assert.ThrowsAsync<TlsNegotiationException>(() => client.ConnectAsync(CancellationToken.None));
        Assert.That(await ReceivedAfterCloseAsync(server), Does.Not.Contain("<auth"));
    }

    [Test]
    public async Task Server_closing_the_connection_is_transient()
    {
        var server = new ScriptedServer(ServerHeader);
        var port = server.Port;
        await server.DisposeAsync();
        await using var client = Client(port);
        var ex = Assert.ThrowsAsync<XmppException>(() => client.ConnectAsync(CancellationToken.None));
        Assert.That(ex!.IsTransient, Is.True);
    }
}
