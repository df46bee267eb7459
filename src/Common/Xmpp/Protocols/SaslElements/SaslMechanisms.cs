using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.SaslElements;

/// <summary>&lt;mechanisms/&gt; in stream features: the SASL mechanisms the server offers (RFC 6120 §6.4.1).</summary>
public sealed class SaslMechanisms : XElement, IXmppElement
{
    private static readonly XName MechanismName = XmppNamespaces.Sasl + "mechanism";

    public SaslMechanisms()
        : base(ElementName)
    {
    }

    public SaslMechanisms(IEnumerable<string> names)
        : this()
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            Add(new XElement(MechanismName, name));
        }
    }

    public static XName ElementName { get; } = XmppNamespaces.Sasl + "mechanisms";

    public IReadOnlyList<string> Names =>
        Elements(MechanismName).Select(static mechanism => mechanism.Value.Trim()).Where(static name => name.Length > 0).ToList();
}
