using CleverCloud.TestSupport.Xmpp;
using CleverCloud.Xmpp.Client;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Muc;
using CleverCloud.Xmpp.Protocols.Muc;

namespace CleverCloud.Integration.Tests;

/// <summary>Interop with an independent XMPP client (go-sendxmpp, Debian) on the default server, Prosody.</summary>
[TestFixture]
[NonParallelizable]
public sealed class GoSendXmppInteropTests
{
    private ProsodyServer _server = null!;
    private readonly List<IAsyncDisposable> _clients = [];

    [OneTimeSetUp]
    public async Task StartServer() => _server = await ProsodyServer.StartAsync("clever.test");

    [OneTimeTearDown]
    public async Task StopServer()
    {
        foreach (var client in _clients)
            await client.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private async Task<XmppClient> ConnectedAsync(string user)
    {
        var client = new XmppClient(new XmppClientOptions
        {
            Domain = _server.Domain, Host = _server.Host, Port = _server.C2sPort, Username = user, Password = "pw-" + user,
            RegisterAccount = true, TrustedCertificateFile = _server.CertificatePath,
        });
        _clients.Add(client);
        await client.ConnectAsync(CancellationToken.None);
        return client;
    }

    [Test, Description("Issue 2: an independent client (go-sendxmpp) sees the room as the CM configured it: as a non-member it cannot post; once made a member, its groupchat message reaches our client")]
    public async Task Independent_client_is_refused_until_it_is_a_member()
    {
        var owner = await ConnectedAsync(Unique("cm"));
        var muc = new MultiUserChat(owner);
        var room = Jid.Parse($"{Unique("room")}@{_server.MucDomain}");
        await muc.CreateOrConfigureAsync(room, "cm", MucRoomConfig.ControlRoom(), CancellationToken.None);

        var outsider = new XmppAccount(Unique("ext"), _server.Domain, "pw-ext");
        await _server.RegisterAsync(outsider.User, outsider.Password);
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        owner.MessageReceived += (m, _) =>
        {
            if (m.Type == MessageType.Groupchat && m.Body is { } body && m.From?.Resource == "ext")
                received.TrySetResult(body);
            return Task.CompletedTask;
        };

        var refused = await GoSendXmpp.RunAsync(_server, GoSendXmpp.ConnectionArguments(_server, outsider).Concat(["-c", "-a", "ext", room.ToString()]),
            "should never arrive", TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.That(received.Task.IsCompleted, Is.False, "a non-member's message must not reach the members-only room: " + refused.CombinedOutput);

        await muc.SetAffiliationAsync(room, Jid.Parse(outsider.Jid), MucAffiliation.Member, "admitted", CancellationToken.None);
        var sent = await GoSendXmpp.RunAsync(_server, GoSendXmpp.ConnectionArguments(_server, outsider).Concat(["-c", "-a", "ext", room.ToString()]),
            "hello from go-sendxmpp", TimeSpan.FromSeconds(60));
        Assert.That(await received.Task.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo("hello from go-sendxmpp"), sent.CombinedOutput);
    }

}
