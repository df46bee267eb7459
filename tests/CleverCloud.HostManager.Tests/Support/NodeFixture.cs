using System.Xml.Linq;

namespace CleverCloud.HostManager.Tests.Support;

/// <summary>
/// Writes a libvirt test-driver node file (<c>test:///ABS/PATH/node.xml</c>) with preloaded domains: each connection
/// to it starts from exactly this state, independent of every other test.
/// <list type="bullet">
/// <item><c>alpha</c>: running, one file disk (vda), one NIC (52:54:00:11:22:33), VNC on 127.0.0.1:5901, snapshot <c>before-upgrade</c>.</item>
/// <item><c>beta</c>: shut off.</item>
/// <item><c>gamma</c>: paused.</item>
/// </list>
/// </summary>
public static class NodeFixture
{
    private static readonly XNamespace Test = "http://libvirt.org/schemas/domain/test/1.0";

    public static string Write(string directory, string fileName = "node.xml")
    {
        var node = new XElement("node",
            new XElement("cpu",
                new XElement("mhz", 2400), new XElement("model", "i686"), new XElement("active", 8),
                new XElement("nodes", 1), new XElement("sockets", 1), new XElement("cores", 4), new XElement("threads", 2)),
            new XElement("memory", 8 * 1024 * 1024),
            Domain("alpha", "11111111-2222-3333-4444-000000000001", runstate: 1, withDevices: true,
                new XElement(Test + "domainsnapshot",
                    new XElement("name", "before-upgrade"),
                    new XElement("state", "running"),
                    new XElement("creationTime", 1700000000),
                    new XElement("active", 0),
                    new XElement("domain", new XAttribute("type", "test"),
                        new XElement("name", "alpha"), new XElement("uuid", "11111111-2222-3333-4444-000000000001"),
                        new XElement("memory", new XAttribute("unit", "MiB"), 256), new XElement("vcpu", 1),
                        new XElement("os", new XElement("type", "hvm"))))),
            Domain("beta", "11111111-2222-3333-4444-000000000002", runstate: 5, withDevices: false),
            Domain("gamma", "11111111-2222-3333-4444-000000000003", runstate: 3, withDevices: false));
        var path = Path.Combine(directory, fileName);
        node.Save(path);
        return path;
    }

    public static string UriFor(string nodeFile) => "test://" + nodeFile;

    private static XElement Domain(string name, string uuid, int runstate, bool withDevices, params object[] extra)
    {
        var devices = new XElement("devices");
        if (withDevices)
        {
            devices.Add(
                new XElement("disk", new XAttribute("type", "file"), new XAttribute("device", "disk"),
                    new XElement("source", new XAttribute("file", $"/var/lib/clevercloud/images/{name}.img")),
                    new XElement("target", new XAttribute("dev", "vda"), new XAttribute("bus", "virtio"))),
                new XElement("interface", new XAttribute("type", "network"),
                    new XElement("mac", new XAttribute("address", "52:54:00:11:22:33")),
                    new XElement("source", new XAttribute("network", "default"))),
                new XElement("graphics", new XAttribute("type", "vnc"), new XAttribute("port", 5901), new XAttribute("listen", "127.0.0.1")));
        }
        return new XElement("domain", new XAttribute("type", "test"), new XAttribute(XNamespace.Xmlns + "test", Test),
            new XElement("name", name),
            new XElement("uuid", uuid),
            new XElement("memory", new XAttribute("unit", "MiB"), 256),
            new XElement("vcpu", 1),
            new XElement("os", new XElement("type", "hvm")),
            devices,
            new XElement(Test + "runstate", runstate),
            extra);
    }
}
