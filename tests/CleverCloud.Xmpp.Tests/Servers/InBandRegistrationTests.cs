using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CleverCloud.TestSupport.Xmpp;

namespace CleverCloud.Xmpp.Tests.Servers;

/// <summary>
/// XEP-0077 in-band registration from 127.0.0.1 is enabled on both deployable configurations (Prosody's
/// registration allowlist, ejabberd's ip_access), after mandatory STARTTLS (RFC 6120 §5), checked with a raw stream
/// and proven by an independent client logging in with the new account.
/// </summary>
[TestFixture("prosody")]
[TestFixture("ejabberd")]
[NonParallelizable]
public sealed class InBandRegistrationTests(string kind)
{
    [Test]
    public async Task An_account_registered_in_band_from_loopback_can_log_in()
    {
        await using var server = await XmppTestServers.StartAsync(kind);
        var account = new XmppAccount("ibr-" + Guid.NewGuid().ToString("N")[..8], server.Domain, "ibr-secret");

        var reply = await RegisterInBandAsync(server, account);
        var login = await GoSendXmpp.RunAsync(
            server, GoSendXmpp.ConnectionArguments(server, account).Append(account.Jid), "registered", TimeSpan.FromSeconds(60));

        Assert.Multiple(() =>
        {
            Assert.That(reply, Does.Contain("type='result'").Or.Contain("type=\"result\""), reply);
            Assert.That(login.ExitCode, Is.Zero, login.CombinedOutput);
        });
    }

    private static async Task<string> RegisterInBandAsync(IXmppTestServer server, XmppAccount account)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.C2sPort, timeout.Token);
        Stream stream = client.GetStream();
        var header = "<?xml version='1.0'?><stream:stream to='" + server.Domain
            + "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

        await WriteAsync(stream, header, timeout.Token);
        await ReadUntilAsync(stream, text => text.Contains("</stream:features>", StringComparison.Ordinal), timeout.Token);
        await WriteAsync(stream, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", timeout.Token);
        await ReadUntilAsync(stream, text => text.Contains("<proceed", StringComparison.Ordinal), timeout.Token);

        using var trusted = X509Certificate2.CreateFromPem(File.ReadAllText(server.CertificatePath));
        var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) => IsIssuedBy(certificate, trusted, server.Domain));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = server.Domain }, timeout.Token);
        stream = tls;

        await WriteAsync(stream, header, timeout.Token);
        var features = await ReadUntilAsync(stream, text => text.Contains("</stream:features>", StringComparison.Ordinal), timeout.Token);
        Assert.That(features, Does.Contain("http://jabber.org/features/iq-register"), "registration must be offered after TLS");
        await WriteAsync(
            stream,
            $"<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>{account.User}</username><password>{account.Password}</password></query></iq>",
            timeout.Token);
        var reply = await ReadUntilAsync(
            stream, text => text.Contains("reg1", StringComparison.Ordinal) && (text.Contains("</iq>", StringComparison.Ordinal) || text.TrimEnd().EndsWith("/>", StringComparison.Ordinal)), timeout.Token);
        await WriteAsync(stream, "</stream:stream>", timeout.Token);
        return reply;
    }

    private static bool IsIssuedBy(X509Certificate? presented, X509Certificate2 trusted, string domain)
    {
        if (presented is null)
        {
            return false;
        }
        using var certificate = new X509Certificate2(presented);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate) && certificate.MatchesHostname(domain);
    }

    private static Task WriteAsync(Stream stream, string text, CancellationToken cancellationToken) =>
        stream.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).AsTask();

    private static async Task<string> ReadUntilAsync(Stream stream, Func<string, bool> complete, CancellationToken cancellationToken)
    {
        var received = new StringBuilder();
        var buffer = new byte[8192];
        var decoder = Encoding.UTF8.GetDecoder();
        var characters = new char[8192];
        while (!complete(received.ToString()))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The server closed the stream; received: " + received);
            }
            received.Append(characters, 0, decoder.GetChars(buffer, 0, read, characters, 0));
        }
        return received.ToString();
    }
}
