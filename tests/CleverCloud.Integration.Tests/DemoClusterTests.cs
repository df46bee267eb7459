using System.Diagnostics;
using CleverCloud.TestSupport.Xmpp;

namespace CleverCloud.Integration.Tests;

/// <summary>
/// The README's demo, run as an operator would: real slapd, the CA process, Prosody, a CM and two HMs as processes,
/// and the CLI. One pass checks the whole secured chain end to end.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DemoClusterTests
{
    private string _output = "";
    private int _exitCode;

    [OneTimeSetUp]
    public async Task RunDemo()
    {
        var root = ServerEnvironment.RepositoryRoot();
        var releaseCm = Path.Combine(root, "src", "ClusterManager", "bin", "Release", "net10.0", "clever-cm.dll");
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "demo.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The suite runs in Release after a full build; a Debug run needs the demo to build Release itself.
        start.Environment["CLEVER_DEMO_SKIP_BUILD"] = File.Exists(releaseCm) ? "1" : "0";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        _output = await stdout + "\n" + await stderr;
        _exitCode = process.ExitCode;
        TestContext.Out.WriteLine(_output);
    }

    [Test]
    public void Demo_completes() => Assert.That(_exitCode, Is.Zero, _output);

    [Test, Description("Identity issue: every agent enrolled through SCEP and its certificate is in LDAP with its xmppAddr")]
    public void Certificates_are_published_with_their_xmpp_address()
    {
        foreach (var name in new[] { "cm", "hm1", "hm2" })
            Assert.That(_output, Does.Contain($"uid={name}@clever.test,ou=agents").And.Contain($"XmppAddr::{name}@clever.test"));
    }

    [Test, Description("Spine: host.info sent through the CM reaches both hosts, and their replies come back")]
    public void Both_hosts_answer_host_info()
    {
        Assert.That(_output, Does.Contain("hm1@clever.test  false      true"));
        Assert.That(_output, Does.Contain("hm2@clever.test  false      true"));
        Assert.That(_output.Split("\"libvirtVersion\"").Length - 1, Is.EqualTo(2));
    }

    [Test, Description("Secure messaging: room keys distributed by the CM to each joining host")]
    public void Room_key_reaches_both_hosts() =>
        Assert.That(_output, Does.Contain("sent to hm1@clever.test").And.Contain("sent to hm2@clever.test"));

    [Test, Description("HM issue: a VM is created through the CM, listed, suspended, resumed and deleted")]
    public void Vm_lifecycle_through_the_cluster_manager()
    {
        // Placement picks the host with the most free memory: either may win.
        Assert.That(_output, Does.Match(@"web1  hm[12]@clever\.test  1      256        debian  running"));
        Assert.That(_output, Does.Contain("deleted  true"));
        Assert.That(_output, Does.Contain("(no vms)"));
    }

    [Test, Description("Bad input: a numbered error, not a crash")]
    public void Bad_vm_name_gets_error_103() =>
        Assert.That(_output, Does.Contain("error 103 (InvalidArguments): VM name '<evil>' is not allowed"));

    [Test, Description("Secure messaging: a command signed by an uncertified key is rejected before any effect")]
    public void Forged_command_is_rejected_with_bad_signature() =>
        Assert.That(_output, Does.Contain("BadSignature (201)"));

    [Test, Description("Non-repudiation: the HM's audit log verifies offline against the cluster CA")]
    public void Audit_log_verifies()
    {
        var line = _output.Split('\n').FirstOrDefault(l => l.Contains("signatures verified", StringComparison.Ordinal));
        Assert.That(line, Is.Not.Null, _output);
        Assert.That(line, Does.Not.StartWith("0 entries"));
    }
}
