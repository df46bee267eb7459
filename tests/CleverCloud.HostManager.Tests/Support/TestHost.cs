using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Tests.Support;

/// <summary>
/// The Host Manager's registrations as Program.cs makes them (<c>AddHostManagerCore</c>) over a temporary image and
/// state directory, with the real <see cref="OperationDispatcher"/> in front: commands arrive as from the CM.
/// </summary>
public sealed class TestHost : IDisposable
{
    public static readonly OperationContext Context = new("req-1", "cm@clever.test/cm", "cm");

    private readonly ServiceProvider _provider;

    /// <param name="libvirtUri">null: a fresh <see cref="NodeFixture"/> node file of this host's own.</param>
    public TestHost(string? libvirtUri = null, Action<IServiceCollection>? extra = null, IDictionary<string, string?>? settings = null)
    {
        Directory = TempDirectory.Create();
        libvirtUri ??= NodeFixture.UriFor(NodeFixture.Write(Directory));
        LibvirtUri = libvirtUri;
        ImageDirectory = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "images")).FullName;
        StateDirectory = Path.Combine(Directory, "state");
        var values = new Dictionary<string, string?>
        {
            ["HostManager:LibvirtUri"] = libvirtUri,
            ["HostManager:ImageDirectory"] = ImageDirectory,
            ["HostManager:StateDirectory"] = StateDirectory,
            ["HostManager:LibvirtWorkerThreads"] = "2",
            ["HostManager:ReconnectInitialDelay"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        services.AddHostManagerCore(configuration);
        extra?.Invoke(services);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Dispatcher = _provider.GetRequiredService<OperationDispatcher>();
    }

    public string Directory { get; }

    public string LibvirtUri { get; }

    public string ImageDirectory { get; }

    public string StateDirectory { get; }

    public RecordingLoggerProvider Logs { get; } = new();

    public OperationDispatcher Dispatcher { get; }

    public IServiceProvider Services => _provider;

    public HypervisorConnection Hypervisor => _provider.GetRequiredService<HypervisorConnection>();

    public Task<OperationResult> DispatchAsync(string operation, JsonObject? arguments = null) =>
        Dispatcher.DispatchAsync(operation, arguments, Context, CancellationToken.None);

    /// <summary>Dispatches and fails the test with the reply if it is not a success.</summary>
    public async Task<JsonObject> SucceedAsync(string operation, JsonObject? arguments = null)
    {
        var result = await DispatchAsync(operation, arguments);
        Assert.That(result.Success, Is.True, $"{operation}: {result}");
        return result.Data as JsonObject ?? [];
    }

    /// <summary>Names and states of all domains, straight from libvirt through the HM's own connection.</summary>
    public Task<IReadOnlyList<string>> DomainSnapshotAsync() => Hypervisor.RunAsync(connection =>
    {
        var domains = connection.ListAllDomains();
        try
        {
            return (IReadOnlyList<string>)domains.Select(d => $"{d.Name}:{d.GetState().ToWireName()}:{d.GetInfo().MemoryKiB}")
                .OrderBy(s => s, StringComparer.Ordinal).ToList();
        }
        finally
        {
            foreach (var domain in domains)
                domain.Dispose();
        }
    }, CancellationToken.None);

    public async Task<string> StateOfAsync(string vm)
    {
        var info = await SucceedAsync("vm.info", new JsonObject { ["name"] = vm });
        return info["state"]!.GetValue<string>();
    }

    public void Dispose()
    {
        _provider.Dispose();
        TempDirectory.Delete(Directory);
    }
}

public static class TempDirectory
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "clever-hm-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    public static void Delete(string path)
    {
        if (System.IO.Directory.Exists(path))
            System.IO.Directory.Delete(path, recursive: true);
    }
}
