using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>An element class with one fixed qualified name, so it can be looked up by type.</summary>
public interface IXmppElement
{
    static abstract XName ElementName { get; }
}

/// <summary>
/// Typed access to child elements. A tree built through <see cref="ElementRegistry"/> already holds the typed
/// instances; a tree built some other way (XElement.Parse, a copy) holds plain elements, which these methods replace
/// in place by their typed equivalents so that reading and then modifying the child affects the tree.
/// </summary>
public static class TypedElementExtensions
{
    /// <summary>The first child named <typeparamref name="T"/>'s element name, typed; null when absent.</summary>
    public static T? GetExtension<T>(this XElement parent)
        where T : XElement, IXmppElement, new() =>
        parent.GetChild<T>(T.ElementName);

    /// <summary>Every child named <typeparamref name="T"/>'s element name, typed.</summary>
    public static IReadOnlyList<T> GetExtensions<T>(this XElement parent)
        where T : XElement, IXmppElement, new() =>
        parent.GetChildren<T>(T.ElementName);

    /// <summary>The first child called <paramref name="name"/>, typed; null when absent.</summary>
    public static T? GetChild<T>(this XElement parent, XName name)
        where T : XElement, new()
    {
        ArgumentNullException.ThrowIfNull(parent);
        var child = parent.Element(name);
        return child is null ? null : AsTyped<T>(child);
    }

    /// <summary>Every child called <paramref name="name"/>, typed, in document order.</summary>
    public static IReadOnlyList<T> GetChildren<T>(this XElement parent, XName name)
        where T : XElement, new()
    {
        ArgumentNullException.ThrowIfNull(parent);

        // Materialized first: upgrading replaces nodes, which would break a live enumeration.
        var children = parent.Elements(name).ToList();
        var typed = new List<T>(children.Count);
        foreach (var child in children)
        {
            typed.Add(AsTyped<T>(child));
        }

        return typed;
    }

    /// <summary>
    /// Returns <paramref name="element"/> itself when it already is a <typeparamref name="T"/>; otherwise a typed
    /// element with the same name, attributes and content, which takes the original's place in its parent.
    /// </summary>
    public static T AsTyped<T>(XElement element)
        where T : XElement, new()
    {
        ArgumentNullException.ThrowIfNull(element);
        if (element is T typed)
        {
            return typed;
        }

        var upgraded = new T { Name = element.Name };
        upgraded.Add(element.Attributes());
        upgraded.Add(element.Nodes());
        if (element.Parent is not null)
        {
            element.ReplaceWith(upgraded);
        }

        return upgraded;
    }

    /// <summary>Replaces (or with null removes) the single child called <paramref name="name"/>.</summary>
    public static void SetChild(this XElement parent, XName name, XElement? value)
    {
        ArgumentNullException.ThrowIfNull(parent);
        parent.Elements(name).Remove();
        if (value is not null)
        {
            parent.Add(value);
        }
    }

    /// <summary>Replaces (or with null removes) the single text child called <paramref name="name"/>.</summary>
    public static void SetChildText(this XElement parent, XName name, string? value)
    {
        ArgumentNullException.ThrowIfNull(parent);
        parent.Elements(name).Remove();
        if (value is not null)
        {
            parent.Add(new XElement(name, value));
        }
    }

    /// <summary>Sets or removes a flag child such as &lt;registered/&gt; whose presence is the value.</summary>
    public static void SetFlagChild(this XElement parent, XName name, bool present)
    {
        ArgumentNullException.ThrowIfNull(parent);
        parent.Elements(name).Remove();
        if (present)
        {
            parent.Add(new XElement(name));
        }
    }

    /// <summary>Reads an attribute that holds an address; a malformed address is a typed protocol error.</summary>
    public static Jid? GetJidAttribute(this XElement element, XName attributeName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var text = (string?)element.Attribute(attributeName);
        if (text is null)
        {
            return null;
        }

        try
        {
            return Jid.Parse(text);
        }
        catch (InvalidJidException error)
        {
            throw new MalformedElementException(
                $"<{element.Name.LocalName}> attribute '{attributeName}' holds an invalid address: {error.Reason}",
                element.Name.ToString(),
                error);
        }
    }
}
