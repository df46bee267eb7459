using System.Globalization;
using System.Xml.Linq;

namespace CleverCloud.HostManager.Libvirt;

/// <summary>What vm.define asks for, already validated (name charset, bounds, resolved image path, network names).</summary>
public sealed record VmSpec(
    string Name,
    int Vcpus,
    long MemoryMiB,
    string DomainType,
    string? DiskPath = null,
    string DiskFormat = "raw",
    string? Network = null,
    string? Bridge = null,
    string Graphics = "none",
    string GraphicsListen = "127.0.0.1");

/// <summary>A graphical console of a running domain, from its live XML.</summary>
public sealed record GraphicsConsole(string Type, string? Listen, int? Port, int? TlsPort, bool AutoPort);

/// <summary>A disk of a domain: target device (vda) and, for file-backed disks, the source file.</summary>
public sealed record DomainDisk(string Target, string? SourceFile, string Device);

/// <summary>A network interface of a domain: MAC address and host-side device name when the domain runs.</summary>
public sealed record DomainInterface(string? Mac, string? TargetDevice, string Type, string? Source);

/// <summary>The devices of a domain that operations report on.</summary>
public sealed record DomainDevices(
    IReadOnlyList<DomainDisk> Disks, IReadOnlyList<DomainInterface> Interfaces, IReadOnlyList<GraphicsConsole> Graphics);

/// <summary>
/// Builds and reads libvirt domain XML with LINQ to XML: values are escaped by the writer, never concatenated.
/// </summary>
public static class DomainXml
{
    public static string Build(VmSpec spec)
    {
        var os = new XElement("os",
            spec.DomainType == "test"
                ? new XElement("type", "hvm")
                : new XElement("type", new XAttribute("arch", "x86_64"), "hvm"),
            new XElement("boot", new XAttribute("dev", "hd")));

        var devices = new XElement("devices");
        if (spec.DiskPath is not null)
        {
            devices.Add(new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
                new XElement("driver", new XAttribute("name", "qemu"), new XAttribute("type", spec.DiskFormat)),
                new XElement("source", new XAttribute("file", spec.DiskPath)),
                new XElement("target", new XAttribute("dev", "vda"), new XAttribute("bus", "virtio"))));
        }
        if (spec.Network is not null)
        {
            devices.Add(new XElement("interface", new XAttribute("type", "network"),
                new XElement("source", new XAttribute("network", spec.Network)),
                new XElement("model", new XAttribute("type", "virtio"))));
        }
        else if (spec.Bridge is not null)
        {
            devices.Add(new XElement("interface", new XAttribute("type", "bridge"),
                new XElement("source", new XAttribute("bridge", spec.Bridge)),
                new XElement("model", new XAttribute("type", "virtio"))));
        }
        if (spec.Graphics is "vnc" or "spice")
        {
            devices.Add(new XElement("graphics", new XAttribute("type", spec.Graphics), new XAttribute("autoport", "yes"),
                new XAttribute("listen", spec.GraphicsListen)));
        }

        var domain = new XElement("domain", new XAttribute("type", spec.DomainType),
            new XElement("name", spec.Name),
            new XElement("memory", new XAttribute("unit", "MiB"), spec.MemoryMiB.ToString(CultureInfo.InvariantCulture)),
            new XElement("vcpu", spec.Vcpus.ToString(CultureInfo.InvariantCulture)),
            os,
            new XElement("features", new XElement("acpi")),
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "restart"),
            new XElement("on_crash", "destroy"),
            devices);
        return domain.ToString(SaveOptions.DisableFormatting);
    }

    public static string BuildSnapshot(string name, string? description)
    {
        var snapshot = new XElement("domainsnapshot", new XElement("name", name));
        if (!string.IsNullOrEmpty(description))
            snapshot.Add(new XElement("description", description));
        return snapshot.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>Reads disks, interfaces and graphics from one parse of the domain XML.</summary>
    public static DomainDevices ReadDevices(string domainXml)
    {
        var devices = XDocument.Parse(domainXml).Root?.Element("devices");
        if (devices is null)
            return new DomainDevices([], [], []);
        var disks = devices.Elements("disk")
            .Select(d => new DomainDisk(
                (string?)d.Element("target")?.Attribute("dev") ?? "",
                (string?)d.Element("source")?.Attribute("file"),
                (string?)d.Attribute("device") ?? "disk"))
            .Where(d => d.Target.Length > 0)
            .ToList();
        var interfaces = devices.Elements("interface")
            .Select(i => new DomainInterface(
                (string?)i.Element("mac")?.Attribute("address"),
                (string?)i.Element("target")?.Attribute("dev"),
                (string?)i.Attribute("type") ?? "unknown",
                (string?)i.Element("source")?.Attribute("network") ?? (string?)i.Element("source")?.Attribute("bridge")))
            .ToList();
        var graphics = devices.Elements("graphics")
            .Select(g => new GraphicsConsole(
                (string?)g.Attribute("type") ?? "unknown",
                (string?)g.Attribute("listen") ?? (string?)g.Element("listen")?.Attribute("address"),
                PositivePort((string?)g.Attribute("port")),
                PositivePort((string?)g.Attribute("tlsPort")),
                (string?)g.Attribute("autoport") == "yes"))
            .ToList();
        return new DomainDevices(disks, interfaces, graphics);
    }

    public static IReadOnlyList<GraphicsConsole> ReadGraphics(string domainXml) => ReadDevices(domainXml).Graphics;

    public static IReadOnlyList<DomainDisk> ReadDisks(string domainXml) => ReadDevices(domainXml).Disks;

    public static IReadOnlyList<DomainInterface> ReadInterfaces(string domainXml) => ReadDevices(domainXml).Interfaces;

    /// <summary>Returns the XML with each file-backed disk source replaced through <paramref name="relocate"/>.</summary>
    public static string RelocateDisks(string domainXml, Func<string, string> relocate)
    {
        var document = XDocument.Parse(domainXml);
        foreach (var source in document.Root?.Element("devices")?.Elements("disk").Select(d => d.Element("source")) ?? [])
        {
            if (source?.Attribute("file") is { } file)
                file.Value = relocate(file.Value);
        }
        return document.Root!.ToString(SaveOptions.DisableFormatting);
    }

    // libvirt reports port -1 for "not allocated yet" (autoport on an inactive domain).
    private static int? PositivePort(string? text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var port) && port > 0 ? port : null;
}
