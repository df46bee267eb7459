using CleverCloud.Agent.Security;
using CleverCloud.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CleverCloud.ClusterManager.Tests;

/// <summary>The agents' <c>Security</c> section, as an operator writes it in the service's configuration.</summary>
public sealed class SecuritySettingsTests
{
    private static SecurityOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddAgentSecurity(configuration).BuildServiceProvider();
        return provider.GetRequiredService<SecurityOptions>();
    }

    [Test]
    public void Key_wrap_modes_default_to_the_pairwise_keys_and_are_bound_by_name()
    {
        var defaults = Resolve([]);
        var chosen = Resolve(new() { ["Security:PeerKeyWrap"] = "ephemeral", ["Security:RoomKeyWrap"] = "EphemeralPerBatch" });

        Assert.Multiple(() =>
        {
            Assert.That(defaults.PeerKeyWrap, Is.EqualTo(PeerKeyWrapMode.PairwiseStatic));
            Assert.That(defaults.RoomKeyWrap, Is.EqualTo(RoomKeyWrapMode.PairwiseStatic));
            Assert.That(chosen.PeerKeyWrap, Is.EqualTo(PeerKeyWrapMode.Ephemeral));
            Assert.That(chosen.RoomKeyWrap, Is.EqualTo(RoomKeyWrapMode.EphemeralPerBatch));
        });
    }

    [TestCase("Security:PeerKeyWrap", "ECDH-ES")]
    [TestCase("Security:PeerKeyWrap", "1")]
    [TestCase("Security:RoomKeyWrap", "sometimes")]
    public void An_unknown_key_wrap_mode_fails_at_start_naming_the_setting_and_the_choices(string key, string value)
    {
        var exception = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [key] = value }));

        Assert.That(exception!.Failures, Has.One.Contains(key).And.Contains(value).And.Contains("PairwiseStatic"));
    }
}
