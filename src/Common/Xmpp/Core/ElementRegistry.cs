using System.Xml;
using System.Xml.Linq;
using CleverCloud.Xmpp.Xml;

namespace CleverCloud.Xmpp.Core;

/// <summary>
/// The one place where a qualified element name is tied to the class that models it. The stream parser asks it for
/// every element it builds, so registered names arrive as their typed classes (Message, MucUser, DataForm, …) and
/// everything else as a plain <see cref="XElement"/>.
/// </summary>
/// <remarks>
/// Register everything before the registry is shared: lookups are lock-free reads of a dictionary that must no longer
/// change. A constructor may be registered under several names (jabber:client and jabber:server, muc#user and
/// muc#admin items); the created element is renamed to the name asked for.
/// </remarks>
public sealed class ElementRegistry : IElementFactory
{
    private readonly Dictionary<XName, Func<XElement>> _constructors = [];

    public int Count => _constructors.Count;

    /// <summary>A registry holding every element class of this library.</summary>
    public static ElementRegistry CreateDefault()
    {
        var registry = new ElementRegistry();
        DefaultElements.RegisterAll(registry);
        return registry;
    }

    public void Register(XName name, Func<XElement> constructor)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(constructor);
        if (!_constructors.TryAdd(name, constructor))
        {
            throw new ArgumentException($"an element class is already registered for {name}", nameof(name));
        }
    }

    /// <summary>Registers a stanza-level element for both jabber:client and jabber:server.</summary>
    public void RegisterStanzaContent(string localName, Func<XElement> constructor)
    {
        Register(XmppNamespaces.Client + localName, constructor);
        Register(XmppNamespaces.Server + localName, constructor);
    }

    public bool IsRegistered(XName name) => _constructors.ContainsKey(name);

    public XElement Create(XName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_constructors.TryGetValue(name, out var constructor))
        {
            return new XElement(name);
        }

        var element = constructor();
        if (element.Name != name)
        {
            element.Name = name;
        }

        return element;
    }

    /// <summary>
    /// A deep copy of <paramref name="source"/> whose registered elements, at any depth, are their typed classes.
    /// For trees that did not come through the stream parser (tests, stored fixtures, XElement.Parse).
    /// </summary>
    public XElement Materialize(XElement source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var target = Create(source.Name);
        foreach (var attribute in source.Attributes())
        {
            target.Add(new XAttribute(attribute));
        }

        foreach (var node in source.Nodes())
        {
            target.Add(node is XElement child ? Materialize(child) : node);
        }

        return target;
    }

    /// <summary>Parses one XML element from text into typed elements.</summary>
    /// <exception cref="MalformedElementException">The text is not well-formed XML.</exception>
    public XElement Parse(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        XElement plain;
        try
        {
            plain = XElement.Parse(xml, LoadOptions.PreserveWhitespace);
        }
        catch (XmlException error)
        {
            throw new MalformedElementException($"not well-formed XML: {error.Message}", innerException: error);
        }

        return Materialize(plain);
    }
}
