using CleverCloud.HostManager.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Tests;

public sealed class OptionsTests
{
    private static HostManagerOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddHostManagerCore(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<HostManagerOptions>>().Value;
    }

    [Test]
    public void Configuration_is_bound_from_the_HostManager_section()
    {
        var images = TempDirectory.Create();
        try
        {
            var options = Resolve(new()
            {
                ["HostManager:LibvirtUri"] = "test:///default",
                ["HostManager:ImageDirectory"] = images,
                ["HostManager:StateDirectory"] = "/var/lib/x",
                ["HostManager:MonitoringInterval"] = "00:00:30",
                ["HostManager:MaxVcpus"] = "8",
            });
            Assert.That(options.MonitoringInterval, Is.EqualTo(TimeSpan.FromSeconds(30)));
            Assert.That(options.MaxVcpus, Is.EqualTo(8));
            Assert.That(options.EffectiveDomainType, Is.EqualTo("test"));
        }
        finally
        {
            TempDirectory.Delete(images);
        }
    }

    [Test]
    public void Bad_configuration_fails_with_every_problem_named()
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(new()
        {
            ["HostManager:LibvirtUri"] = "nonsense",
            ["HostManager:ImageDirectory"] = "relative/images",
            ["HostManager:MaxVcpus"] = "0",
            ["HostManager:MonitoringInterval"] = "00:00:00",
            ["HostManager:DomainType"] = "xen",
        }));
        Assert.That(exception!.Failures, Has.Some.Contains("LibvirtUri")
            .And.Some.Contains("ImageDirectory")
            .And.Some.Contains("MaxVcpus")
            .And.Some.Contains("MonitoringInterval")
            .And.Some.Contains("DomainType"));
    }

    [Test]
    public void Domain_type_follows_the_uri_unless_configured()
    {
        Assert.That(new HostManagerOptions { LibvirtUri = "qemu:///system" }.EffectiveDomainType, Is.EqualTo("kvm"));
        Assert.That(new HostManagerOptions { LibvirtUri = "qemu:///system", DomainType = "qemu" }.EffectiveDomainType, Is.EqualTo("qemu"));
    }
}
