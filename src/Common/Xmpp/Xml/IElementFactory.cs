using System.Xml.Linq;

namespace CleverCloud.Xmpp.Xml;

/// <summary>
/// Creates the element object for a qualified name while the parser builds a stanza, so that registered names come
/// out as their typed classes (Message, Presence, MucUser, …) and everything else as a plain <see cref="XElement"/>.
/// </summary>
public interface IElementFactory
{
    XElement Create(XName name);
}

/// <summary>Builds plain <see cref="XElement"/>s; what the parser uses when no registry is given.</summary>
public sealed class PlainElementFactory : IElementFactory
{
    public static PlainElementFactory Instance { get; } = new();

    public XElement Create(XName name) => new(name);
}
