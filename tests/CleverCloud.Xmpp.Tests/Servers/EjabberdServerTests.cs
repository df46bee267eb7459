using CleverCloud.TestSupport.Xmpp;

namespace CleverCloud.Xmpp.Tests.Servers;

/// <summary>The ejabberd 23.01 fixture against the shared contract, plus what is specific to it.</summary>
[TestFixture]
[NonParallelizable]
public sealed class EjabberdServerTests : XmppServerContract
{
    protected override async Task<IXmppTestServer> StartServerAsync(XmppServerOptions options, CancellationToken cancellationToken)
    {
        var server = await EjabberdServer.StartAsync(options, cancellationToken);
        TestContext.Progress.WriteLine($"ejabberd ({options.Domain}) answered after {server.LastStartDuration.TotalMilliseconds:F0} ms");
        return server;
    }

    protected override IEnumerable<int> ListeningPorts(IXmppTestServer server) =>
        [server.C2sPort, server.S2sPort, ((EjabberdServer)server).DistributionPort];

    [Test]
    public void Runs_as_the_ejabberd_user_without_epmd()
    {
        var processes = Shared.ProcessIds();
        var commands = processes.Select(pid => File.ReadAllText($"/proc/{pid}/comm").Trim()).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(commands, Does.Contain("beam.smp"));
            Assert.That(commands, Does.Not.Contain("epmd"), "ERL_DIST_PORT must keep epmd from starting");
            foreach (var pid in processes)
            {
                var uid = File.ReadAllLines($"/proc/{pid}/status").First(line => line.StartsWith("Uid:", StringComparison.Ordinal));
                Assert.That(uid.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], Is.Not.EqualTo("0"), $"process {pid} ({commands[processes.ToList().IndexOf(pid)]}) runs as root");
            }
        });
    }

    [Test]
    public void Rendered_config_has_no_shaper_and_raised_room_limits()
    {
        var config = File.ReadAllText(Shared.ConfigPath);

        Assert.Multiple(() =>
        {
            Assert.That(config, Does.Contain("shaper: none"));
            Assert.That(config, Does.Not.Contain("c2s_shaper"));
            Assert.That(config, Does.Contain("registration_timeout: infinity"));
            Assert.That(config, Does.Contain("starttls_required: true"));
            Assert.That(config, Does.Contain("max_users: 1000"));
            Assert.That(config, Does.Not.Contain("{{"));
        });
    }

    [Test]
    public async Task Ejabberdctl_reaches_the_node_through_its_distribution_port()
    {
        var server = (EjabberdServer)Shared;

        var status = await server.RunControlAsync(["status"]);

        Assert.That(status.ExitCode, Is.Zero, status.CombinedOutput);
        Assert.That(status.StandardOutput, Does.Contain(server.NodeName).And.Contain("started"));
    }
}
