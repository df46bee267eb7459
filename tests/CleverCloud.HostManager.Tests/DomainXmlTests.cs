using System.Xml.Linq;
using CleverCloud.HostManager.Libvirt;

namespace CleverCloud.HostManager.Tests;

public sealed class DomainXmlTests
{
    [Test]
    public void Kvm_domain_has_the_requested_devices()
    {
        var xml = XElement.Parse(DomainXml.Build(new VmSpec("web", 2, 1024, "kvm", "/img/web.qcow2", "qcow2", Bridge: "br0", Graphics: "spice")));
        Assert.That((string?)xml.Attribute("type"), Is.EqualTo("kvm"));
        Assert.That((string?)xml.Element("memory"), Is.EqualTo("1024"));
        Assert.That((string?)xml.Element("memory")!.Attribute("unit"), Is.EqualTo("MiB"));
        Assert.That((string?)xml.Element("os")!.Element("type")!.Attribute("arch"), Is.EqualTo("x86_64"));
        var devices = xml.Element("devices")!;
        Assert.That((string?)devices.Element("disk")!.Element("source")!.Attribute("file"), Is.EqualTo("/img/web.qcow2"));
        Assert.That((string?)devices.Element("disk")!.Element("driver")!.Attribute("type"), Is.EqualTo("qcow2"));
        Assert.That((string?)devices.Element("interface")!.Element("source")!.Attribute("bridge"), Is.EqualTo("br0"));
        Assert.That((string?)devices.Element("graphics")!.Attribute("type"), Is.EqualTo("spice"));
    }

    [Test]
    public void Values_are_escaped_by_the_writer_not_spliced()
    {
        // The operations reject such names long before; the builder is safe on its own anyway.
        var xml = DomainXml.Build(new VmSpec("a'/><evil/>&", 1, 64, "test", DiskPath: "/img/x'\"<>.img"));
        var parsed = XElement.Parse(xml);
        Assert.That((string?)parsed.Element("name"), Is.EqualTo("a'/><evil/>&"));
        Assert.That(parsed.Descendants("evil"), Is.Empty);
        Assert.That((string?)parsed.Descendants("source").Single().Attribute("file"), Is.EqualTo("/img/x'\"<>.img"));
    }

    [Test]
    public void Graphics_ports_of_minus_one_mean_not_allocated()
    {
        const string xml = "<domain><devices><graphics type='vnc' port='-1' autoport='yes' listen='0.0.0.0'/>" +
                           "<graphics type='spice' port='5930' tlsPort='5931'><listen type='address' address='10.0.0.1'/></graphics></devices></domain>";
        var consoles = DomainXml.ReadGraphics(xml);
        Assert.That(consoles, Is.EqualTo(new[]
        {
            new GraphicsConsole("vnc", "0.0.0.0", null, null, true),
            new GraphicsConsole("spice", "10.0.0.1", 5930, 5931, false),
        }));
    }
}
