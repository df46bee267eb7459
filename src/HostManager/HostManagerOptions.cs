using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager;

/// <summary>Configuration of the Host Manager's hypervisor side (section <c>HostManager</c>).</summary>
public sealed class HostManagerOptions
{
    public const string SectionName = "HostManager";

    /// <summary>libvirt URI, e.g. <c>qemu:///system</c>, <c>qemu:///embed?root=/var/lib/clever/qemu</c>, <c>test:///default</c>.</summary>
    public string LibvirtUri { get; set; } = "qemu:///system";

    /// <summary>Disk images must resolve inside this directory (symlinks followed) before a VM may use them.</summary>
    public string ImageDirectory { get; set; } = "/var/lib/clevercloud/images";

    /// <summary>Where vm.save writes and vm.restore reads memory state files (one per VM, named after it).</summary>
    public string StateDirectory { get; set; } = "/var/lib/clevercloud/state";

    /// <summary>
    /// Cold migration moves disks here when asked (the destination's image directory, typically a shared mount);
    /// null means disks stay where they are (shared storage).
    /// </summary>
    public string? MigrationDiskDirectory { get; set; }

    /// <summary>Domain type written by vm.define: <c>kvm</c>, <c>qemu</c> or <c>test</c>; empty = derived from the URI.</summary>
    public string? DomainType { get; set; }

    public int MaxVcpus { get; set; } = 64;

    public int MinMemoryMiB { get; set; } = 16;

    public int MaxMemoryMiB { get; set; } = 256 * 1024;

    /// <summary>Address VNC/SPICE consoles listen on.</summary>
    public string GraphicsListenAddress { get; set; } = "127.0.0.1";

    public TimeSpan MonitoringInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long vm.shutdown waits for the guest when the request names no timeout.</summary>
    public TimeSpan DefaultShutdownTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Dedicated threads that run blocking libvirt calls.</summary>
    public int LibvirtWorkerThreads { get; set; } = 4;

    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Keepalive on remote libvirt connections: probe interval (seconds, 0 = off) and missed probes tolerated.</summary>
    public int KeepAliveIntervalSeconds { get; set; } = 5;

    public int KeepAliveCount { get; set; } = 3;

    /// <summary>The domain type actually used: the configured one, else <c>test</c> on the test driver and <c>kvm</c> otherwise.</summary>
    public string EffectiveDomainType =>
        !string.IsNullOrWhiteSpace(DomainType) ? DomainType
        : LibvirtUri.StartsWith("test:", StringComparison.Ordinal) ? "test"
        : "kvm";
}

/// <summary>Checks <see cref="HostManagerOptions"/> at start so a bad configuration stops the service with a clear message.</summary>
public sealed class HostManagerOptionsValidator : IValidateOptions<HostManagerOptions>
{
    public ValidateOptionsResult Validate(string? name, HostManagerOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.LibvirtUri) || !options.LibvirtUri.Contains(':', StringComparison.Ordinal))
            failures.Add($"HostManager:LibvirtUri '{options.LibvirtUri}' is not a libvirt URI (e.g. qemu:///system).");
        if (!Path.IsPathFullyQualified(options.ImageDirectory))
            failures.Add($"HostManager:ImageDirectory '{options.ImageDirectory}' must be an absolute path.");
        else if (!Directory.Exists(options.ImageDirectory))
            failures.Add($"HostManager:ImageDirectory '{options.ImageDirectory}' does not exist.");
        if (!Path.IsPathFullyQualified(options.StateDirectory))
            failures.Add($"HostManager:StateDirectory '{options.StateDirectory}' must be an absolute path.");
        if (options.MigrationDiskDirectory is { } migration && !Path.IsPathFullyQualified(migration))
            failures.Add($"HostManager:MigrationDiskDirectory '{migration}' must be an absolute path.");
        if (options.DomainType is { Length: > 0 } type && type is not ("kvm" or "qemu" or "test"))
            failures.Add($"HostManager:DomainType '{type}' must be kvm, qemu or test.");
        if (options.MaxVcpus is < 1 or > 4096)
            failures.Add($"HostManager:MaxVcpus {options.MaxVcpus} must be within 1..4096.");
        if (options.MinMemoryMiB < 1 || options.MaxMemoryMiB < options.MinMemoryMiB || options.MaxMemoryMiB > 16 * 1024 * 1024)
            failures.Add($"HostManager:MinMemoryMiB/MaxMemoryMiB ({options.MinMemoryMiB}/{options.MaxMemoryMiB}) must satisfy 1 <= min <= max <= 16 TiB.");
        if (!System.Net.IPAddress.TryParse(options.GraphicsListenAddress, out _))
            failures.Add($"HostManager:GraphicsListenAddress '{options.GraphicsListenAddress}' is not an IP address.");
        if (options.MonitoringInterval < TimeSpan.FromMilliseconds(100) || options.MonitoringInterval > TimeSpan.FromHours(1))
            failures.Add($"HostManager:MonitoringInterval {options.MonitoringInterval} must be within 100 ms..1 h.");
        if (options.DefaultShutdownTimeout <= TimeSpan.Zero || options.DefaultShutdownTimeout > TimeSpan.FromHours(1))
            failures.Add($"HostManager:DefaultShutdownTimeout {options.DefaultShutdownTimeout} must be within 0..1 h.");
        if (options.LibvirtWorkerThreads is < 1 or > 64)
            failures.Add($"HostManager:LibvirtWorkerThreads {options.LibvirtWorkerThreads} must be within 1..64.");
        if (options.ReconnectInitialDelay <= TimeSpan.Zero || options.ReconnectMaxDelay < options.ReconnectInitialDelay)
            failures.Add("HostManager:ReconnectInitialDelay must be positive and at most ReconnectMaxDelay.");
        if (options.KeepAliveIntervalSeconds < 0 || options.KeepAliveCount < 0)
            failures.Add("HostManager:KeepAliveIntervalSeconds and KeepAliveCount must not be negative.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
