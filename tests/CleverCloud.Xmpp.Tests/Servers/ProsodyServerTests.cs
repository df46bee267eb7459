using CleverCloud.TestSupport.Xmpp;

namespace CleverCloud.Xmpp.Tests.Servers;

/// <summary>The Prosody 0.12 fixture against the shared contract, plus what is specific to its configuration.</summary>
[TestFixture]
[NonParallelizable]
public sealed class ProsodyServerTests : XmppServerContract
{
    protected override async Task<IXmppTestServer> StartServerAsync(XmppServerOptions options, CancellationToken cancellationToken)
    {
        var server = await ProsodyServer.StartAsync(options, cancellationToken);
        TestContext.Progress.WriteLine($"prosody ({options.Domain}) answered after {server.LastStartDuration.TotalMilliseconds:F0} ms");
        return server;
    }

    [Test]
    public void Rendered_config_disables_nagle_and_keeps_new_rooms_locked()
    {
        var config = File.ReadAllText(Shared.ConfigPath);

        Assert.Multiple(() =>
        {
            Assert.That(config, Does.Contain("nagle = false"));
            Assert.That(config, Does.Contain("tcp_backlog = 1024"));
            Assert.That(config, Does.Contain("muc_room_locking = true"));
            Assert.That(config, Does.Contain("Component \"rooms.clever.test\" \"muc\""));
            Assert.That(config, Does.Not.Contain("{{"));
        });
    }

    [Test]
    public async Task Restart_after_orderly_stop_uses_the_same_ports()
    {
        await using var server = await ProsodyServer.StartAsync("restart.test");
        var (c2s, s2s) = (server.C2sPort, server.S2sPort);

        await server.StopAsync();
        Assert.That(server.IsRunning, Is.False);
        await server.RestartAsync();
        TestContext.Progress.WriteLine($"prosody restart answered after {server.LastStartDuration.TotalMilliseconds:F0} ms");
        var features = await XmppStreamProbe.ReadStreamFeaturesAsync(server.Host, c2s, server.Domain, TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That((server.C2sPort, server.S2sPort), Is.EqualTo((c2s, s2s)));
            Assert.That(features, Does.Contain("<starttls"));
        });
    }

    [Test]
    public async Task Another_loopback_address_models_another_host()
    {
        await using var server = await ProsodyServer.StartAsync(new XmppServerOptions { Domain = "other.test", Interface = "127.0.0.2" });
        var alice = new XmppAccount("alice", server.Domain, "alice-secret");
        await server.RegisterAsync(alice.User, alice.Password);

        var features = await XmppStreamProbe.ReadStreamFeaturesAsync("127.0.0.2", server.C2sPort, server.Domain, TimeSpan.FromSeconds(30));
        var login = await GoSendXmpp.RunAsync(
            server, GoSendXmpp.ConnectionArguments(server, alice).Append(alice.Jid), "to myself", TimeSpan.FromSeconds(60));

        Assert.Multiple(() =>
        {
            Assert.That(server.Host, Is.EqualTo("127.0.0.2"));
            Assert.That(features, Does.Contain("<starttls"));
            Assert.That(ListeningAddresses(server.C2sPort), Is.EqualTo(new[] { "0200007F" }));
            Assert.That(login.ExitCode, Is.Zero, login.CombinedOutput);
        });
    }

    [Test]
    public async Task A_port_held_by_another_program_fails_the_start_with_the_log()
    {
        // Prosody only logs a busy port and keeps running; the fixture must notice instead of probing the other program.
        await using var first = await ProsodyServer.StartAsync("first.test");
        var clash = new XmppServerOptions { Domain = "second.test", ExtraConfig = $"c2s_ports = {{ {first.C2sPort} }}" };

        var failure = Assert.ThrowsAsync<InvalidOperationException>(async () => await ProsodyServer.StartAsync(clash));

        Assert.That(failure!.Message, Does.Contain("Failed to open server port"));
    }
}
