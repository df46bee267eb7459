// Per-operation latency of the Host Manager on libvirt's test driver, three ways in one run:
//   raw        the libvirt calls through the safe binding on the calling thread (the floor),
//   worker     the same calls hopped onto the libvirt worker threads (HypervisorConnection.RunAsync),
//   dispatcher the full path a CM command takes: OperationDispatcher -> checks -> operation -> worker -> reply.
// Usage: hm-bench [iterations]   (default 2000; a warm-up of a tenth precedes every series)
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using CleverCloud.HostManager;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
const string Uri = "test:///default";
var images = Directory.CreateTempSubdirectory("hm-bench-").FullName;
try
{
    var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["HostManager:LibvirtUri"] = Uri,
        ["HostManager:ImageDirectory"] = images,
        ["HostManager:StateDirectory"] = Path.Combine(images, "state"),
    }).Build();
    await using var provider = new ServiceCollection().AddLogging().AddHostManagerCore(configuration).BuildServiceProvider();
    var dispatcher = provider.GetRequiredService<OperationDispatcher>();
    var hypervisor = provider.GetRequiredService<HypervisorConnection>();
    var context = new OperationContext("bench", "bench@local");
    // The test driver's state lives while a connection is open: this one also serves the raw baseline.
    using var raw = LibvirtConnection.Open(Uri);
    const string BenchVmXml = "<domain type='test'><name>bench-vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
    using (raw.DefineDomain(BenchVmXml)) { }

    async Task Dispatch(string operation, JsonObject? arguments)
    {
        var result = await dispatcher.DispatchAsync(operation, arguments, context, CancellationToken.None);
        if (!result.Success)
            throw new InvalidOperationException($"{operation}: {result}");
    }

    Console.WriteLine($"Host Manager latency on {Uri}, {iterations} iterations per series, {Environment.ProcessorCount} cores");
    Console.WriteLine($"{"operation",-22} {"path",-11} {"p50 µs",9} {"p99 µs",9} {"mean µs",9}");

    // Baselines make the same libvirt calls as the operation, without JSON, checks or thread hops.
    static void ListCalls(LibvirtConnection connection)
    {
        foreach (var domain in connection.ListAllDomains())
        {
            _ = domain.GetUuid();
            _ = domain.GetState();
            _ = domain.IsPersistent();
            domain.Dispose();
        }
    }

    static void InfoCalls(LibvirtConnection connection)
    {
        using var domain = connection.LookupDomain("bench-vm");
        _ = domain.GetUuid();
        _ = domain.GetInfo();
        _ = domain.IsPersistent();
        _ = domain.GetAutostart();
        _ = domain.GetXml();
    }

    await Series("vm.list", iterations,
        () =>
        {
            ListCalls(raw);
            return Task.CompletedTask;
        },
        () => hypervisor.RunAsync(ListCalls, CancellationToken.None),
        () => Dispatch("vm.list", null));

    await Series("vm.info", iterations,
        () =>
        {
            InfoCalls(raw);
            return Task.CompletedTask;
        },
        () => hypervisor.RunAsync(InfoCalls, CancellationToken.None),
        () => Dispatch("vm.info", new JsonObject { ["name"] = "bench-vm" }));

    const string CycleXml = "<domain type='test'><name>bench-cycle</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
    await Series("vm.define+undefine", iterations,
        () =>
        {
            using var domain = raw.DefineDomain(CycleXml);
            domain.Undefine(DomainUndefineFlags.None);
            return Task.CompletedTask;
        },
        () => hypervisor.RunAsync(connection =>
        {
            using var domain = connection.DefineDomain(CycleXml);
            domain.Undefine(DomainUndefineFlags.None);
        }, CancellationToken.None),
        async () =>
        {
            await Dispatch("vm.define", new JsonObject { ["name"] = "bench-cycle", ["vcpus"] = 1, ["memoryMiB"] = 64 });
            await Dispatch("vm.undefine", new JsonObject { ["name"] = "bench-cycle" });
        });

    await Series("vm.start+destroy", iterations,
        () =>
        {
            using var domain = raw.LookupDomain("bench-vm");
            domain.Create();
            domain.Destroy();
            return Task.CompletedTask;
        },
        () => hypervisor.RunAsync(connection =>
        {
            using var domain = connection.LookupDomain("bench-vm");
            domain.Create();
            domain.Destroy();
        }, CancellationToken.None),
        async () =>
        {
            await Dispatch("vm.start", new JsonObject { ["name"] = "bench-vm" });
            await Dispatch("vm.destroy", new JsonObject { ["name"] = "bench-vm" });
        });

    await Series("host.ping", iterations,
        () => Task.CompletedTask,
        () => hypervisor.RunAsync(_ => { }, CancellationToken.None),
        () => Dispatch("host.ping", null));

    using (var domain = raw.LookupDomain("bench-vm"))
        domain.Undefine(DomainUndefineFlags.None);
}
finally
{
    Directory.Delete(images, recursive: true);
}

static async Task Series(string name, int iterations, Func<Task> raw, Func<Task> worker, Func<Task> dispatcher)
{
    foreach (var (path, action) in new[] { ("raw", raw), ("worker", worker), ("dispatcher", dispatcher) })
    {
        for (var i = 0; i < Math.Max(1, iterations / 10); i++)
            await action();
        var samples = new double[iterations];
        for (var i = 0; i < iterations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await action();
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }
        Array.Sort(samples);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-22} {path,-11} {Percentile(samples, 0.50),9:0.0} {Percentile(samples, 0.99),9:0.0} {samples.Average(),9:0.0}"));
    }
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
