using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Baselines for the HM footprint (bench/hm-footprint.sh): an empty Generic Host worker, and with
// "--libvirt URI" the same worker holding one libvirt connection open, which is the floor for any agent that
// drives libvirt (libvirt.so.0 and the 50-odd libraries it links are resident from then on).
var libvirtUri = args.SkipWhile(arg => arg != "--libvirt").Skip(1).FirstOrDefault();
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddHostedService(_ => new IdleWorker(libvirtUri));
using var host = builder.Build();
await host.RunAsync();

sealed class IdleWorker(string? libvirtUri) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connection = libvirtUri is null ? IntPtr.Zero : Libvirt.virConnectOpen(libvirtUri);
        if (libvirtUri is not null && connection == IntPtr.Zero)
            throw new InvalidOperationException($"virConnectOpen({libvirtUri}) failed");
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (connection != IntPtr.Zero)
                Libvirt.virConnectClose(connection);
        }
    }
}

static partial class Libvirt
{
    [LibraryImport("libvirt.so.0", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virConnectOpen(string uri);

    [LibraryImport("libvirt.so.0")]
    internal static partial int virConnectClose(IntPtr connection);
}
