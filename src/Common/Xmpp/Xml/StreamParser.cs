using System.Text;
using System.Xml.Linq;

namespace CleverCloud.Xmpp.Xml;

/// <summary>Receives what the <see cref="StreamParser"/> completes, synchronously, in order.</summary>
public interface IStreamParserHandler
{
    /// <summary>The <c>&lt;stream:stream …&gt;</c> open tag, as an element with its attributes and no children.</summary>
    void OnStreamStart(XElement header);

    /// <summary>A complete first-level child of the stream (stanza, features, stream error, SASL/TLS element).</summary>
    void OnElement(XElement element);

    /// <summary>The closing <c>&lt;/stream:stream&gt;</c>.</summary>
    void OnStreamEnd();
}

public sealed record StreamParserOptions
{
    /// <summary>Largest first-level element accepted, in bytes from its start tag (RFC 6120 §13.12 suggests limits).</summary>
    public int MaxStanzaBytes { get; init; } = 1_048_576;

    /// <summary>Deepest nesting accepted below the stream element.</summary>
    public int MaxDepth { get; init; } = 32;

    public void Validate()
    {
        if (MaxStanzaBytes < 64)
            throw new ArgumentOutOfRangeException(nameof(MaxStanzaBytes), MaxStanzaBytes, "must be at least 64 bytes");
        if (MaxDepth < 2)
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "must be at least 2");
    }
}

/// <summary>
/// An incremental push parser for an XMPP stream (RFC 6120 §4, §11): the transport feeds it bytes as they arrive, split
/// anywhere (even inside a multi-byte character), and it raises stream-start, one event per complete first-level element,
/// and stream-end. It never sees a socket. It accepts only the XML subset XMPP allows: no DTD, no comments, no
/// processing instructions other than the XML declaration, no entity references other than the five predefined ones
/// and character references — so entity-expansion and external-entity attacks have nothing to work with.
/// After an error it stays faulted until <see cref="Reset"/>.
/// </summary>
public sealed class StreamParser
{
    private static readonly XNamespace XmlNamespace = XNamespace.Xml;
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    private readonly IStreamParserHandler _handler;
    private readonly IElementFactory _factory;
    private readonly StreamParserOptions _options;

    // Decoded characters not yet consumed by the tokenizer (a token may span pushes).
    private readonly StringBuilder _pending = new();
    private readonly Decoder _decoder;
    private readonly char[] _decodeBuffer = new char[8192];

    private readonly List<Scope> _scopes = [];
    private readonly List<XElement> _open = [];
    private XElement? _streamElement;
    private bool _streamEnded;
    private bool _declarationAllowed = true;
    private long _offset;
    private XElement? _completed;
    // Bumped by Reset: a handler may reset the parser from inside a callback (STARTTLS, SASL success).
    private int _generation;
    private int _stanzaBytes;
    private XmlStreamException? _fault;

    public StreamParser(IStreamParserHandler handler, IElementFactory? factory = null, StreamParserOptions? options = null)
    {
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        _factory = factory ?? PlainElementFactory.Instance;
        _options = options ?? new StreamParserOptions();
        _options.Validate();
        _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetDecoder();
    }

    /// <summary>Bytes consumed since the last reset.</summary>
    public long Offset => _offset;

    /// <summary>Forgets everything and expects a new stream header (after STARTTLS or SASL success).</summary>
    public void Reset()
    {
        _generation++;
        _pending.Clear();
        _decoder.Reset();
        _scopes.Clear();
        _open.Clear();
        _streamElement = null;
        _streamEnded = false;
        _declarationAllowed = true;
        _offset = 0;
        _stanzaBytes = 0;
        _completed = null;
        _fault = null;
    }

    public void Push(ReadOnlySpan<byte> utf8)
    {
        if (_fault is not null)
            throw new XmlStreamException(_fault.Reason, "the parser is faulted by an earlier error: " + _fault.Message, _fault.Offset);

        try
        {
            Decode(utf8);
            _offset += utf8.Length;
            Tokenize();
        }
        catch (XmlStreamException ex)
        {
            _fault = ex;
            throw;
        }
    }

    private void Decode(ReadOnlySpan<byte> utf8)
    {
        while (!utf8.IsEmpty)
        {
            int bytesUsed, charsUsed;
            bool completed;
            try
            {
                _decoder.Convert(utf8, _decodeBuffer, flush: false, out bytesUsed, out charsUsed, out completed);
            }
            catch (DecoderFallbackException ex)
            {
                throw Error(XmlStreamErrorReason.InvalidUtf8, "invalid UTF-8: " + ex.Message);
            }
            _pending.Append(_decodeBuffer, 0, charsUsed);
            utf8 = utf8[bytesUsed..];
        }
    }

    // ---------------------------------------------------------------- tokenizer

    private void Tokenize()
    {
        var generation = _generation;
        var position = 0;
        while (position < _pending.Length)
        {
            if (_streamEnded)
            {
                if (!IsAllWhitespace(position, _pending.Length))
                    throw Error(XmlStreamErrorReason.Syntax, "content after the end of the stream");
                position = _pending.Length;
                break;
            }

            var inStanza = _open.Count > 0;
            if (_pending[position] != '<')
            {
                var lt = IndexOf('<', position);
                var end = lt < 0 ? _pending.Length : lt;
                if (lt < 0 && _open.Count > 0)
                {
                    // Text may end in the middle of an entity reference: keep from its '&' for the next push.
                    var amp = LastIndexOf('&', position, end);
                    if (amp >= 0 && IndexOf(';', amp) < 0)
                        end = amp;
                }
                if (end > position)
                {
                    HandleText(position, end);
                    if (inStanza)
                        AccountStanzaBytes(position, end);
                }
                position = end;
                if (lt < 0)
                    break;
                continue;
            }

            var consumed = TryMarkup(position);
            if (generation != _generation)
                return; // reset from a callback: what was pending belongs to the old stream
            if (consumed == 0)
                break; // incomplete markup: wait for more bytes
            if (inStanza || _open.Count > 0 || _completed is not null)
                AccountStanzaBytes(position, position + consumed);
            position += consumed;
            if (_completed is { } completed)
            {
                _completed = null;
                _stanzaBytes = 0;
                _handler.OnElement(completed);
                if (generation != _generation)
                    return;
            }
        }

        _pending.Remove(0, position);
        CheckPendingSize();
    }

    /// <summary>Counts the UTF-8 size of consumed characters of the current first-level element against the limit.</summary>
    private void AccountStanzaBytes(int start, int end)
    {
        var bytes = 0;
        for (var i = start; i < end; i++)
        {
            var c = _pending[i];
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsSurrogate(c) ? 2 : 3;
        }
        _stanzaBytes += bytes;
        if (_stanzaBytes > _options.MaxStanzaBytes)
            throw Error(XmlStreamErrorReason.StanzaTooLarge, $"stanza larger than {_options.MaxStanzaBytes} bytes");
    }

    private void CheckPendingSize()
    {
        // An unterminated tag or text run grows the pending buffer: bound it by the stanza limit.
        if (_pending.Length > _options.MaxStanzaBytes)
            throw Error(_open.Count > 0 ? XmlStreamErrorReason.StanzaTooLarge : XmlStreamErrorReason.Syntax,
                _open.Count > 0 ? $"stanza larger than {_options.MaxStanzaBytes} bytes" : "unterminated markup");
    }

    /// <returns>Characters consumed, or 0 when the markup is not complete yet.</returns>
    private int TryMarkup(int start)
    {
        if (start + 1 >= _pending.Length)
            return 0;
        var next = _pending[start + 1];
        switch (next)
        {
            case '?':
                return ProcessingInstruction(start);
            case '!':
                return Declaration(start);
            case '/':
                return EndTag(start);
            default:
                return StartTag(start);
        }
    }

    private int ProcessingInstruction(int start)
    {
        var end = IndexOf("?>", start + 2);
        if (end < 0)
            return Incomplete(start);
        var content = _pending.ToString(start + 2, end - start - 2);
        if (!_declarationAllowed || _streamElement is not null || !content.StartsWith("xml", StringComparison.Ordinal)
            || (content.Length > 3 && !char.IsWhiteSpace(content[3])))
            throw Error(XmlStreamErrorReason.ForbiddenConstruct, "processing instructions are not allowed in XMPP (RFC 6120 §11.1)");
        _declarationAllowed = false;
        if (content.Contains("encoding", StringComparison.Ordinal)
            && !content.Contains("UTF-8", StringComparison.OrdinalIgnoreCase))
            throw Error(XmlStreamErrorReason.ForbiddenConstruct, "XMPP streams must be UTF-8 (RFC 6120 §11.6)");
        return end + 2 - start;
    }

    private int Declaration(int start)
    {
        // "<!--", "<![CDATA[", "<!DOCTYPE", "<!ENTITY"...: decide as soon as enough characters are present.
        if (Matches(start, "<![CDATA["))
        {
            if (_open.Count == 0)
                throw Error(XmlStreamErrorReason.Syntax, "CDATA outside an element");
            var end = IndexOf("]]>", start + 9);
            if (end < 0)
                return Incomplete(start);
            var text = _pending.ToString(start + 9, end - start - 9);
            CheckChars(text);
            AddText(text);
            return end + 3 - start;
        }
        if (_pending.Length - start < 9 && "<![CDATA[".StartsWith(_pending.ToString(start, _pending.Length - start), StringComparison.Ordinal))
            return 0;
        if (Matches(start, "<!--"))
            throw Error(XmlStreamErrorReason.ForbiddenConstruct, "comments are not allowed in XMPP (RFC 6120 §11.1)");
        if (_pending.Length - start < 4 && "<!--".StartsWith(_pending.ToString(start, _pending.Length - start), StringComparison.Ordinal))
            return 0;
        throw Error(XmlStreamErrorReason.ForbiddenConstruct, "DTDs and entity declarations are not allowed in XMPP (RFC 6120 §11.1)");
    }

    private int EndTag(int start)
    {
        var end = IndexOf('>', start + 2);
        if (end < 0)
            return Incomplete(start);
        var qname = _pending.ToString(start + 2, end - start - 2).TrimEnd();
        if (qname.Length == 0 || !IsName(qname))
            throw Error(XmlStreamErrorReason.Syntax, $"malformed end tag '</{qname}>'");

        if (_open.Count == 0)
        {
            if (_streamElement is null || qname != QualifiedNameOf(_streamElement, _scopes[0]))
                throw Error(XmlStreamErrorReason.MismatchedTag, $"unexpected end tag '</{qname}>'");
            _streamEnded = true;
            _scopes.Clear();
            _handler.OnStreamEnd();
            return end + 1 - start;
        }

        var element = _open[^1];
        var scope = _scopes[^1];
        if (qname != scope.QualifiedName)
            throw Error(XmlStreamErrorReason.MismatchedTag, $"end tag '</{qname}>' does not match '<{scope.QualifiedName}>'");
        _open.RemoveAt(_open.Count - 1);
        _scopes.RemoveAt(_scopes.Count - 1);
        if (_open.Count == 0)
            CompleteStanza(element);
        return end + 1 - start;
    }

    private int StartTag(int start)
    {
        var end = FindTagEnd(start + 1);
        if (end < 0)
            return Incomplete(start);

        var selfClosing = _pending[end - 1] == '/';
        var body = _pending.ToString(start + 1, (selfClosing ? end - 1 : end) - start - 1);
        var (qname, attributes) = ParseTag(body);

        if (_streamElement is null)
        {
            OpenStream(qname, attributes, selfClosing);
            _declarationAllowed = false;
            return end + 1 - start;
        }

        if (_open.Count + 1 > _options.MaxDepth)
            throw Error(XmlStreamErrorReason.TooDeep, $"elements nested deeper than {_options.MaxDepth}");

        var scope = NewScope(attributes, qname);
        var name = ResolveElementName(qname, scope);
        var element = _factory.Create(name);
        foreach (var (attrName, value) in attributes)
        {
            if (IsNamespaceDeclaration(attrName))
                continue;
            element.SetAttributeValue(ResolveAttributeName(attrName, scope), value);
        }
        CheckDuplicateAttributes(element, attributes.Count(a => !IsNamespaceDeclaration(a.Name)));

        if (_open.Count > 0)
            _open[^1].Add(element);

        if (selfClosing)
        {
            if (_open.Count == 0)
                CompleteStanza(element);
        }
        else
        {
            _open.Add(element);
            _scopes.Add(scope);
        }
        return end + 1 - start;
    }

    private void OpenStream(string qname, List<(string Name, string Value)> attributes, bool selfClosing)
    {
        var scope = NewScope(attributes, qname);
        var name = ResolveElementName(qname, scope);
        if (name.LocalName != "stream" || name.NamespaceName != "http://etherx.jabber.org/streams")
            throw Error(XmlStreamErrorReason.Syntax, $"the stream must open with <stream:stream>, not <{qname}>");
        if (selfClosing)
            throw Error(XmlStreamErrorReason.Syntax, "the stream element must not be empty");
        var header = new XElement(name);
        foreach (var (attrName, value) in attributes)
        {
            if (IsNamespaceDeclaration(attrName))
                continue;
            header.SetAttributeValue(ResolveAttributeName(attrName, scope), value);
        }
        CheckDuplicateAttributes(header, attributes.Count(a => !IsNamespaceDeclaration(a.Name)));
        _streamElement = header;
        _scopes.Add(scope);
        _handler.OnStreamStart(header);
    }

    // The parser raises OnElement only after the element's last token has been counted against the size limit.
    private void CompleteStanza(XElement element) => _completed = element;

    private void HandleText(int start, int end)
    {
        if (_open.Count == 0)
        {
            // Between stanzas only whitespace is allowed (RFC 6120 §4.6.1 whitespace keepalives).
            if (!IsAllWhitespace(start, end))
            {
                if (_streamElement is null)
                    throw Error(XmlStreamErrorReason.Syntax, "text before the stream header");
                throw Error(XmlStreamErrorReason.Syntax, "text directly inside the stream element");
            }
            return;
        }
        var text = DecodeEntities(_pending.ToString(start, end - start), inAttribute: false);
        AddText(text);
    }

    private void AddText(string text)
    {
        if (text.Length == 0)
            return;
        var parent = _open[^1];
        if (parent.LastNode is XText last && last is not XCData)
            last.Value += text;
        else
            parent.Add(new XText(text));
    }

    // ---------------------------------------------------------------- tag syntax

    private int FindTagEnd(int from)
    {
        char quote = '\0';
        for (var i = from; i < _pending.Length; i++)
        {
            var c = _pending[i];
            if (quote != '\0')
            {
                if (c == quote)
                    quote = '\0';
                else if (c == '<')
                    throw Error(XmlStreamErrorReason.Syntax, "'<' in an attribute value");
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return i;
            }
            else if (c == '<')
            {
                throw Error(XmlStreamErrorReason.Syntax, "'<' inside a tag");
            }
        }
        return -1;
    }

    private (string QualifiedName, List<(string Name, string Value)> Attributes) ParseTag(string body)
    {
        var i = 0;
        var nameEnd = i;
        while (nameEnd < body.Length && !IsWhitespace(body[nameEnd]))
            nameEnd++;
        var qname = body[..nameEnd];
        if (!IsName(qname))
            throw Error(XmlStreamErrorReason.Syntax, $"invalid element name '{qname}'");

        var attributes = new List<(string, string)>();
        i = nameEnd;
        while (true)
        {
            var hadSpace = i < body.Length && IsWhitespace(body[i]);
            while (i < body.Length && IsWhitespace(body[i]))
                i++;
            if (i >= body.Length)
                break;
            if (!hadSpace)
                throw Error(XmlStreamErrorReason.Syntax, $"attributes of <{qname}> must be separated by whitespace");
            var eq = body.IndexOf('=', i);
            if (eq < 0)
                throw Error(XmlStreamErrorReason.Syntax, $"attribute without a value in <{qname}>");
            var attrName = body[i..eq].TrimEnd();
            if (!IsName(attrName))
                throw Error(XmlStreamErrorReason.Syntax, $"invalid attribute name '{attrName}' in <{qname}>");
            i = eq + 1;
            while (i < body.Length && IsWhitespace(body[i]))
                i++;
            if (i >= body.Length || body[i] is not ('"' or '\''))
                throw Error(XmlStreamErrorReason.Syntax, $"attribute '{attrName}' of <{qname}> is not quoted");
            var quote = body[i];
            var close = body.IndexOf(quote, i + 1);
            if (close < 0)
                throw Error(XmlStreamErrorReason.Syntax, $"attribute '{attrName}' of <{qname}> is not closed");
            var value = DecodeEntities(body.Substring(i + 1, close - i - 1), inAttribute: true);
            attributes.Add((attrName, value));
            i = close + 1;
        }
        return (qname, attributes);
    }

    private string DecodeEntities(string raw, bool inAttribute)
    {
        CheckChars(raw);
        var amp = raw.IndexOf('&');
        if (amp < 0 && !inAttribute)
        {
            if (raw.Contains("]]>", StringComparison.Ordinal))
                throw Error(XmlStreamErrorReason.Syntax, "']]>' in text");
            return raw;
        }

        var result = new StringBuilder(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c == '&')
            {
                var semi = raw.IndexOf(';', i + 1);
                if (semi < 0)
                    throw Error(XmlStreamErrorReason.Syntax, "unterminated entity reference");
                var entity = raw.Substring(i + 1, semi - i - 1);
                AppendEntity(result, entity);
                i = semi;
            }
            else if (inAttribute && c is '\t' or '\n' or '\r')
            {
                // Attribute-value normalization (XML 1.0 §3.3.3): literal whitespace becomes a space.
                result.Append(' ');
            }
            else
            {
                result.Append(c);
            }
        }
        return result.ToString();
    }

    private void AppendEntity(StringBuilder result, string entity)
    {
        switch (entity)
        {
            case "amp": result.Append('&'); return;
            case "lt": result.Append('<'); return;
            case "gt": result.Append('>'); return;
            case "quot": result.Append('"'); return;
            case "apos": result.Append('\''); return;
        }
        if (entity.Length > 1 && entity[0] == '#')
        {
            int codePoint;
            var ok = entity[1] == 'x'
                ? int.TryParse(entity.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out codePoint)
                : int.TryParse(entity.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out codePoint);
            if (!ok || !IsXmlChar(codePoint))
                throw Error(XmlStreamErrorReason.InvalidCharacter, $"character reference '&{entity};' is not a valid XML character");
            result.Append(char.ConvertFromUtf32(codePoint));
            return;
        }
        throw Error(XmlStreamErrorReason.UnknownEntity, $"entity '&{entity};' is not allowed (only the predefined entities are, RFC 6120 §11.1)");
    }

    private void CheckChars(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c >= 0x20 && c <= 0xD7FF) continue;
            if (c is '\t' or '\n' or '\r') continue;
            if (c >= 0xE000 && c <= 0xFFFD) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            throw Error(XmlStreamErrorReason.InvalidCharacter, $"character U+{(int)c:X4} is not allowed in XML");
        }
    }

    private static bool IsXmlChar(int cp) =>
        cp is 0x9 or 0xA or 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);

    // ---------------------------------------------------------------- namespaces

    private sealed class Scope
    {
        public required string QualifiedName { get; init; }
        public Dictionary<string, string>? Prefixes { get; set; }
        public string? DefaultNamespace { get; set; }
        public bool DefinesDefault { get; set; }
    }

    private Scope NewScope(List<(string Name, string Value)> attributes, string qname)
    {
        var scope = new Scope { QualifiedName = qname };
        foreach (var (name, value) in attributes)
        {
            if (name == "xmlns")
            {
                scope.DefaultNamespace = value;
                scope.DefinesDefault = true;
            }
            else if (name.StartsWith("xmlns:", StringComparison.Ordinal))
            {
                var prefix = name[6..];
                if (value.Length == 0)
                    throw Error(XmlStreamErrorReason.Syntax, $"prefix '{prefix}' cannot be bound to the empty namespace");
                if (prefix == "xmlns" || (prefix == "xml" && value != XmlNamespace.NamespaceName))
                    throw Error(XmlStreamErrorReason.Syntax, $"prefix '{prefix}' cannot be redeclared");
                scope.Prefixes ??= new Dictionary<string, string>(StringComparer.Ordinal);
                scope.Prefixes[prefix] = value;
            }
        }
        return scope;
    }

    private XName ResolveElementName(string qname, Scope current)
    {
        var colon = qname.IndexOf(':');
        if (colon < 0)
            return XName.Get(qname, LookupDefault(current));
        var prefix = qname[..colon];
        var local = qname[(colon + 1)..];
        return XName.Get(local, LookupPrefix(prefix, current) ?? throw Error(XmlStreamErrorReason.UnboundPrefix, $"prefix '{prefix}' is not bound"));
    }

    private XName ResolveAttributeName(string qname, Scope current)
    {
        var colon = qname.IndexOf(':');
        if (colon < 0)
            return XName.Get(qname); // unprefixed attributes are in no namespace (Namespaces in XML §6.2)
        var prefix = qname[..colon];
        var local = qname[(colon + 1)..];
        if (prefix == "xml")
            return XmlNamespace + local;
        return XName.Get(local, LookupPrefix(prefix, current) ?? throw Error(XmlStreamErrorReason.UnboundPrefix, $"prefix '{prefix}' is not bound"));
    }

    private string LookupDefault(Scope current)
    {
        if (current.DefinesDefault)
            return current.DefaultNamespace ?? "";
        for (var i = _scopes.Count - 1; i >= 0; i--)
        {
            if (_scopes[i].DefinesDefault)
                return _scopes[i].DefaultNamespace ?? "";
        }
        return "";
    }

    private string? LookupPrefix(string prefix, Scope current)
    {
        if (prefix == "xml")
            return XmlNamespace.NamespaceName;
        if (current.Prefixes is not null && current.Prefixes.TryGetValue(prefix, out var ns))
            return ns;
        for (var i = _scopes.Count - 1; i >= 0; i--)
        {
            if (_scopes[i].Prefixes is { } prefixes && prefixes.TryGetValue(prefix, out ns))
                return ns;
        }
        return null;
    }

    private static bool IsNamespaceDeclaration(string name) =>
        name == "xmlns" || name.StartsWith("xmlns:", StringComparison.Ordinal);

    private void CheckDuplicateAttributes(XElement element, int declaredCount)
    {
        // SetAttributeValue overwrote any duplicate expanded name, so fewer attributes than declared means a duplicate.
        var actual = 0;
        foreach (var attribute in element.Attributes())
        {
            if (!attribute.IsNamespaceDeclaration)
                actual++;
        }
        if (actual != declaredCount)
            throw Error(XmlStreamErrorReason.DuplicateAttribute, $"duplicate attribute in <{element.Name.LocalName}>");
    }

    private static string QualifiedNameOf(XElement element, Scope scope) => scope.QualifiedName;

    // ---------------------------------------------------------------- helpers

    private static bool IsName(string name)
    {
        if (name.Length == 0 || name[0] == ':' || name[^1] == ':' || char.IsAsciiDigit(name[0]) || name[0] is '-' or '.')
            return false;
        var colons = 0;
        foreach (var c in name)
        {
            if (c == ':')
            {
                if (++colons > 1)
                    return false;
            }
            else if (!(char.IsLetterOrDigit(c) || c is '_' or '-' or '.' || c > 0x7F))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\r';

    private bool IsAllWhitespace(int start, int end)
    {
        for (var i = start; i < end; i++)
        {
            if (!IsWhitespace(_pending[i]))
                return false;
        }
        return true;
    }

    private bool Matches(int start, string text)
    {
        if (_pending.Length - start < text.Length)
            return false;
        for (var i = 0; i < text.Length; i++)
        {
            if (_pending[start + i] != text[i])
                return false;
        }
        return true;
    }

    private int IndexOf(char c, int from)
    {
        for (var i = from; i < _pending.Length; i++)
        {
            if (_pending[i] == c)
                return i;
        }
        return -1;
    }

    private int LastIndexOf(char c, int from, int end)
    {
        for (var i = end - 1; i >= from; i--)
        {
            if (_pending[i] == c)
                return i;
        }
        return -1;
    }

    private int IndexOf(string text, int from)
    {
        for (var i = from; i <= _pending.Length - text.Length; i++)
        {
            if (Matches(i, text))
                return i;
        }
        return -1;
    }

    private int Incomplete(int start)
    {
        if (_pending.Length - start > _options.MaxStanzaBytes)
            throw Error(XmlStreamErrorReason.StanzaTooLarge, $"markup larger than {_options.MaxStanzaBytes} bytes");
        return 0;
    }

    private XmlStreamException Error(XmlStreamErrorReason reason, string message) => new(reason, message, _offset);
}
