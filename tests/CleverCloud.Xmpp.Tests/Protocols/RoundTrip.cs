using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Tests.Protocols;

internal static class RoundTrip
{
    public static readonly ElementRegistry Registry = ElementRegistry.CreateDefault();

    /// <summary>Serializes, re-parses through the registry, checks the type survived and the XML is unchanged.</summary>
    public static T Through<T>(T element)
        where T : XElement
    {
        var text = element.ToString(SaveOptions.DisableFormatting);
        var parsed = Registry.Parse(text);
        Assert.That(parsed, Is.InstanceOf<T>());
        Assert.That(parsed.ToString(SaveOptions.DisableFormatting), Is.EqualTo(text));
        return (T)parsed;
    }

    public static T Parse<T>(string xml)
        where T : XElement
    {
        var parsed = Registry.Parse(xml);
        Assert.That(parsed, Is.InstanceOf<T>());
        return (T)parsed;
    }
}
