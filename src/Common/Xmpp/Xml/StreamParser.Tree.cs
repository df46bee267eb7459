using System.Xml.Linq;

namespace CleverCloud.Xmpp.Xml;

// Turning completed tags into elements: namespaces (Namespaces in XML 1.0), attributes, nesting, callbacks.
// Every callback is the last thing done for its character, so a handler may Reset the parser from inside it.
public sealed partial class StreamParser
{
    private void FinishStartTag(bool selfClosing)
    {
        var qualifiedName = _chars.AsSpan(0, _nameLength);
        if (!XmlChars.IsQualifiedName(qualifiedName))
            throw Error(XmlStreamErrorReason.Syntax, $"'{qualifiedName}' is not a valid element name");

        // Declarations apply to the element's own name and attributes, wherever they stand in the tag.
        var bindingMark = _bindings.Count;
        foreach (var attribute in _attributes)
        {
            var name = _chars.AsSpan(attribute.NameStart, attribute.NameLength);
            if (!XmlChars.IsQualifiedName(name))
                throw Error(XmlStreamErrorReason.Syntax, $"'{name}' is not a valid attribute name");
            if (name.SequenceEqual("xmlns"))
                Declare("", attribute, bindingMark);
            else if (name.StartsWith("xmlns:"))
                Declare(Intern(name[6..]), attribute, bindingMark);
        }

        var elementName = ResolveElementName(qualifiedName);
        if (_streamQualifiedName is null)
        {
            OpenStream(elementName, selfClosing);
            return;
        }

        var element = _factory.Create(elementName);
        _attributeNames.Clear();
        foreach (var attribute in _attributes)
        {
            var name = _chars.AsSpan(attribute.NameStart, attribute.NameLength);
            if (IsNamespaceDeclaration(name))
                continue;
            element.SetAttributeValue(ResolveAttributeName(name), ValueOf(attribute));
        }

        if (_open.Count > 0)
            _open[^1].Element.Add(element);
        _charCount = 0;
        _state = State.Content;
        _brackets = 0;
        if (!selfClosing)
        {
            _open.Add(new OpenElement(element, Intern(qualifiedName), bindingMark));
            return;
        }
        _bindings.RemoveRange(bindingMark, _bindings.Count - bindingMark);
        if (_open.Count == 0)
            CompleteStanza(element);
    }

    private void OpenStream(XName name, bool selfClosing)
    {
        if (name.LocalName != "stream" || name.NamespaceName != StreamsNamespace)
            throw Error(XmlStreamErrorReason.Syntax, $"the stream must open with <stream:stream xmlns:stream='{StreamsNamespace}'>, not <{name}>");
        if (selfClosing)
            throw Error(XmlStreamErrorReason.Syntax, "the stream element must not be empty");

        var header = new XElement(name);
        _attributeNames.Clear();
        foreach (var attribute in _attributes)
        {
            var attributeName = _chars.AsSpan(attribute.NameStart, attribute.NameLength);
            // The header keeps its declarations: the session checks the content namespace (RFC 6120 §4.8.2).
            var resolved = attributeName.SequenceEqual("xmlns") ? XNamespace.None.GetName("xmlns")
                : attributeName.StartsWith("xmlns:") ? XNamespace.Xmlns.GetName(Intern(attributeName[6..]))
                : ResolveAttributeName(attributeName);
            header.SetAttributeValue(resolved, ValueOf(attribute));
        }

        _streamQualifiedName = Intern(_chars.AsSpan(0, _nameLength));
        _charCount = 0;
        _stanzaBytes = -1;
        _declarationAllowed = false;
        _state = State.Content;
        _handler.OnStreamStart(header);
    }

    private void FinishEndTag()
    {
        var qualifiedName = _chars.AsSpan(0, _charCount);
        _charCount = 0;
        if (_open.Count == 0)
        {
            if (!qualifiedName.SequenceEqual(_streamQualifiedName))
                throw Error(XmlStreamErrorReason.MismatchedTag, $"end tag '</{qualifiedName}>' does not close '<{_streamQualifiedName}>'");
            _bindings.Clear();
            _stanzaBytes = -1;
            _state = State.StreamEnded;
            _handler.OnStreamEnd();
            return;
        }

        var (element, openName, bindingMark) = _open[^1];
        if (!qualifiedName.SequenceEqual(openName))
            throw Error(XmlStreamErrorReason.MismatchedTag, $"end tag '</{qualifiedName}>' does not close '<{openName}>'");
        _open.RemoveAt(_open.Count - 1);
        _bindings.RemoveRange(bindingMark, _bindings.Count - bindingMark);
        // <a></a> keeps its (empty) content, as XElement.Parse does, so it serializes back the same way.
        if (element.IsEmpty)
            element.Add(string.Empty);
        _brackets = 0;
        _state = State.Content;
        if (_open.Count == 0)
            CompleteStanza(element);
    }

    private void CompleteStanza(XElement element)
    {
        _stanzaBytes = -1;
        if (_chars.Length > RetainedBufferChars)
            _chars = new char[InitialBufferChars];
        _handler.OnElement(element);
    }

    private void FlushText()
    {
        if (_charCount == 0)
            return;
        _open[^1].Element.Add(new XText(new string(_chars, 0, _charCount)));
        _charCount = 0;
    }

    private void Declare(string prefix, AttributeToken attribute, int bindingMark)
    {
        for (var i = bindingMark; i < _bindings.Count; i++)
        {
            if (_bindings[i].Prefix == prefix)
                throw Error(XmlStreamErrorReason.DuplicateAttribute, prefix.Length == 0 ? "'xmlns' declared twice" : $"'xmlns:{prefix}' declared twice");
        }
        var uri = Intern(_chars.AsSpan(attribute.ValueStart, attribute.ValueLength));
        if (prefix == "xmlns")
            throw Error(XmlStreamErrorReason.Syntax, "the prefix 'xmlns' cannot be declared");
        if (prefix == "xml" ? uri != XmlNamespaceUri : uri == XmlNamespaceUri)
            throw Error(XmlStreamErrorReason.Syntax, "the prefix 'xml' and its namespace are bound to each other only");
        if (uri == XmlnsNamespaceUri)
            throw Error(XmlStreamErrorReason.Syntax, $"the namespace '{XmlnsNamespaceUri}' cannot be declared");
        if (prefix.Length > 0 && uri.Length == 0)
            throw Error(XmlStreamErrorReason.Syntax, $"the prefix '{prefix}' cannot be bound to the empty namespace");
        _bindings.Add(new NamespaceBinding(prefix, uri));
    }

    private XName ResolveElementName(ReadOnlySpan<char> qualifiedName)
    {
        var colon = qualifiedName.IndexOf(':');
        if (colon < 0)
            return XNamespace.Get(LookupNamespace("") ?? "").GetName(Intern(qualifiedName));
        var prefix = qualifiedName[..colon];
        var uri = LookupNamespace(prefix)
            ?? throw Error(XmlStreamErrorReason.UnboundPrefix, $"element prefix '{prefix}' is not bound to a namespace");
        return XNamespace.Get(uri).GetName(Intern(qualifiedName[(colon + 1)..]));
    }

    // Unprefixed attributes are in no namespace (Namespaces in XML 1.0 §6.2); a duplicate is one by expanded name.
    private XName ResolveAttributeName(ReadOnlySpan<char> qualifiedName)
    {
        XName name;
        var colon = qualifiedName.IndexOf(':');
        if (colon < 0)
        {
            name = XNamespace.None.GetName(Intern(qualifiedName));
        }
        else
        {
            var prefix = qualifiedName[..colon];
            var uri = LookupNamespace(prefix)
                ?? throw Error(XmlStreamErrorReason.UnboundPrefix, $"attribute prefix '{prefix}' is not bound to a namespace");
            name = XNamespace.Get(uri).GetName(Intern(qualifiedName[(colon + 1)..]));
        }
        foreach (var earlier in _attributeNames)
        {
            if (earlier == name)
                throw Error(XmlStreamErrorReason.DuplicateAttribute, $"attribute '{name}' appears twice");
        }
        _attributeNames.Add(name);
        return name;
    }

    private string? LookupNamespace(ReadOnlySpan<char> prefix)
    {
        if (prefix.SequenceEqual("xml"))
            return XmlNamespaceUri;
        for (var i = _bindings.Count - 1; i >= 0; i--)
        {
            if (prefix.SequenceEqual(_bindings[i].Prefix))
                return _bindings[i].Uri;
        }
        return null;
    }

    private static bool IsNamespaceDeclaration(ReadOnlySpan<char> name) =>
        name.SequenceEqual("xmlns") || name.StartsWith("xmlns:");

    private string ValueOf(AttributeToken attribute) => new(_chars, attribute.ValueStart, attribute.ValueLength);

    private string Intern(ReadOnlySpan<char> text)
    {
        if (_nameLookup.TryGetValue(text, out var interned))
            return interned;
        interned = new string(text);
        if (_names.Count < NameTableLimit)
            _names.Add(interned, interned);
        return interned;
    }
}
