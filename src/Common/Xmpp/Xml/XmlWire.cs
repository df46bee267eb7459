using System.Buffers;
using System.Text;
using System.Xml.Linq;

namespace CleverCloud.Xmpp.Xml;

/// <summary>
/// Serializes elements for the wire: UTF-8, no XML declaration, no formatting. Every element in a namespace other than
/// its parent's is written unprefixed with a default-namespace declaration (<c>&lt;message xmlns="jabber:client"&gt;</c>:
/// redundant against the stream's default namespace, legal, and accepted by servers), so the result parses back to an
/// equal tree whatever the stream declared. Namespace declarations already on the element are not copied: the writer
/// declares what it uses.
/// </summary>
public static class XmlWire
{
    public const string StreamsNamespace = "http://etherx.jabber.org/streams";
    public const string StreamClose = "</stream:stream>";

    private const string XmlNamespaceUri = "http://www.w3.org/XML/1998/namespace";

    /// <exception cref="ArgumentException">The element holds something XMPP cannot carry (RFC 6120 §11.1), such as a
    /// comment, a processing instruction or a character XML 1.0 does not allow.</exception>
    public static byte[] ToUtf8(XElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteTo(element, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">As for <see cref="ToUtf8"/>; the writer may then hold a partial element.</exception>
    public static int WriteTo(XElement element, IBufferWriter<byte> writer)
    {
        ArgumentNullException.ThrowIfNull(element);
        ArgumentNullException.ThrowIfNull(writer);
        var output = new Output(writer);
        var prefixes = new List<(string Prefix, string Uri)>();
        WriteElement(element, parentNamespace: null, prefixes, ref output);
        return output.Written;
    }

    /// <summary>The stream open tag (RFC 6120 §4.7), e.g. <c>&lt;stream:stream xmlns="jabber:client" xmlns:stream=… to="example.org" version="1.0" xml:lang="en"&gt;</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="to"/> or <paramref name="defaultNamespace"/> is empty, or a value holds a character XML does not allow.</exception>
    public static string StreamHeader(string to, string? from, string defaultNamespace, string? id, string version = "1.0", string lang = "en")
    {
        ArgumentException.ThrowIfNullOrEmpty(to);
        ArgumentException.ThrowIfNullOrEmpty(defaultNamespace);
        ArgumentException.ThrowIfNullOrEmpty(version);
        ArgumentException.ThrowIfNullOrEmpty(lang);
        var text = new StringBuilder(256);
        text.Append("<stream:stream");
        AppendAttribute(text, "xmlns", defaultNamespace);
        AppendAttribute(text, "xmlns:stream", StreamsNamespace);
        AppendAttribute(text, "to", to);
        if (from is not null)
            AppendAttribute(text, "from", from);
        if (id is not null)
            AppendAttribute(text, "id", id);
        AppendAttribute(text, "version", version);
        AppendAttribute(text, "xml:lang", lang);
        return text.Append('>').ToString();
    }

    private static void AppendAttribute(StringBuilder text, string name, string value)
    {
        text.Append(' ').Append(name).Append("=\"");
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var escape = AttributeEscape(value, i, "stream:stream");
            if (escape is null)
                continue;
            text.Append(value, start, i - start).Append(escape);
            start = i + 1;
        }
        text.Append(value, start, value.Length - start).Append('"');
    }

    private static void WriteElement(XElement element, string? parentNamespace, List<(string Prefix, string Uri)> prefixes, ref Output output)
    {
        var scopeMark = prefixes.Count;
        var name = element.Name;
        CheckName(name.LocalName, element);
        output.Write("<");
        output.Write(name.LocalName);
        // The top element always declares its namespace, even the empty one: it lands inside whatever default
        // namespace the stream declared.
        if (name.NamespaceName != parentNamespace)
        {
            output.Write(" xmlns=\"");
            output.WriteEscaped(name.NamespaceName, inAttribute: true, element);
            output.Write("\"");
        }

        foreach (var attribute in element.Attributes())
        {
            if (attribute.IsNamespaceDeclaration)
                continue;
            var attributeName = attribute.Name;
            CheckName(attributeName.LocalName, element);
            output.Write(" ");
            var uri = attributeName.NamespaceName;
            if (uri.Length > 0)
            {
                output.Write(PrefixFor(uri, element, prefixes, ref output));
                output.Write(":");
            }
            output.Write(attributeName.LocalName);
            output.Write("=\"");
            output.WriteEscaped(attribute.Value, inAttribute: true, element);
            output.Write("\"");
        }

        if (element.IsEmpty)
        {
            output.Write("/>");
        }
        else
        {
            output.Write(">");
            foreach (var node in element.Nodes())
            {
                switch (node)
                {
                    case XElement child:
                        WriteElement(child, name.NamespaceName, prefixes, ref output);
                        break;
                    case XText text: // XCData too: its content is written as escaped text
                        output.WriteEscaped(text.Value, inAttribute: false, element);
                        break;
                    default:
                        throw new ArgumentException(
                            $"<{name.LocalName}> contains a {node.NodeType}, which XMPP does not allow (RFC 6120 §11.1)", nameof(element));
                }
            }
            output.Write("</");
            output.Write(name.LocalName);
            output.Write(">");
        }
        prefixes.RemoveRange(scopeMark, prefixes.Count - scopeMark);
    }

    // Attributes in a namespace need a prefix; one is declared on the element that first needs it.
    private static string PrefixFor(string uri, XElement element, List<(string Prefix, string Uri)> prefixes, ref Output output)
    {
        if (uri == XmlNamespaceUri)
            return "xml";
        for (var i = prefixes.Count - 1; i >= 0; i--)
        {
            if (prefixes[i].Uri == uri)
                return prefixes[i].Prefix;
        }
        var prefix = element.GetPrefixOfNamespace(uri);
        if (prefix is null || prefix is "xml" or "xmlns" || IsDeclared(prefix, prefixes))
        {
            var n = 0;
            do
                prefix = "ns" + n++;
            while (IsDeclared(prefix, prefixes));
        }
        prefixes.Add((prefix, uri));
        // Written where the attribute was about to start: the caller's separator is already out.
        output.Write("xmlns:");
        output.Write(prefix);
        output.Write("=\"");
        output.WriteEscaped(uri, inAttribute: true, element);
        output.Write("\" ");
        return prefix;
    }

    private static bool IsDeclared(string prefix, List<(string Prefix, string Uri)> prefixes)
    {
        foreach (var (declared, _) in prefixes)
        {
            if (declared == prefix)
                return true;
        }
        return false;
    }

    private static void CheckName(string localName, XElement element)
    {
        // XName already validates names; a colon cannot occur in one. This guards only against surprises from subclasses.
        if (localName.Length == 0)
            throw new ArgumentException($"an empty name inside <{element.Name.LocalName}>", nameof(element));
    }

    private static string? AttributeEscape(string value, int index, string elementName) => value[index] switch
    {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        '"' => "&quot;",
        // Character references survive attribute-value normalization; literal whitespace would become spaces.
        '\t' => "&#x9;",
        '\n' => "&#xA;",
        '\r' => "&#xD;",
        _ => CheckCharacter(value, index, elementName),
    };

    private static string? TextEscape(string value, int index, string elementName) => value[index] switch
    {
        '&' => "&amp;",
        '<' => "&lt;",
        '>' => "&gt;",
        // A literal CR would be turned into LF by line-end normalization.
        '\r' => "&#xD;",
        '\t' or '\n' => null,
        _ => CheckCharacter(value, index, elementName),
    };

    private static string? CheckCharacter(string value, int index, string elementName)
    {
        var c = value[index];
        if (c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD)
            return null;
        if (char.IsHighSurrogate(c) && index + 1 < value.Length && char.IsLowSurrogate(value[index + 1]))
            return null;
        if (char.IsLowSurrogate(c) && index > 0 && char.IsHighSurrogate(value[index - 1]))
            return null;
        throw new ArgumentException($"character U+{(int)c:X4} in <{elementName}> cannot be sent: XML 1.0 does not allow it", "element");
    }

    private ref struct Output(IBufferWriter<byte> writer)
    {
        private readonly IBufferWriter<byte> _writer = writer;

        public int Written { get; private set; }

        public void Write(string text) => Write(text.AsSpan());

        public void Write(ReadOnlySpan<char> text)
        {
            if (text.IsEmpty)
                return;
            Written += checked((int)Encoding.UTF8.GetBytes(text, _writer));
        }

        public void WriteEscaped(string value, bool inAttribute, XElement element)
        {
            var start = 0;
            for (var i = 0; i < value.Length; i++)
            {
                var c = value[i];
                // Fast path: ordinary characters need neither escaping nor checking.
                if (c >= 0x20 && c < 0xD800 && c is not ('&' or '<' or '>' or '"'))
                    continue;
                var place = element.Name.LocalName;
                var escape = inAttribute ? AttributeEscape(value, i, place) : TextEscape(value, i, place);
                if (escape is null)
                    continue;
                Write(value.AsSpan(start, i - start));
                Write(escape);
                start = i + 1;
            }
            Write(value.AsSpan(start));
        }
    }
}
