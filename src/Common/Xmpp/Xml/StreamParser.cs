using System.Xml.Linq;

namespace CleverCloud.Xmpp.Xml;

/// <summary>
/// An incremental push parser for an XMPP stream (RFC 6120 §4, §11). The transport feeds it bytes as they arrive,
/// split anywhere (inside a tag, an entity reference or a multi-byte character), and it raises stream-start, one event
/// per complete first-level element, and stream-end. It never sees a socket.
/// </summary>
/// <remarks>
/// <para>It accepts only the XML subset XMPP allows (RFC 6120 §11.1): no DTD, no comments, no processing instruction
/// other than the XML declaration at the very start, no entity references other than the five predefined ones and
/// character references — so entity-expansion and external-entity attacks have nothing to work with.</para>
/// <para>Each byte is looked at once: a state machine keeps the half-received token between pushes, UTF-8 is decoded
/// and validated incrementally, and a first-level element is refused as soon as it crosses
/// <see cref="StreamParserOptions.MaxStanzaBytes"/>. After an error the parser stays faulted until <see cref="Reset"/>.
/// Not thread-safe: one transport reader pushes.</para>
/// </remarks>
public sealed partial class StreamParser
{
    private const string StreamsNamespace = "http://etherx.jabber.org/streams";
    private const string XmlNamespaceUri = "http://www.w3.org/XML/1998/namespace";
    private const string XmlnsNamespaceUri = "http://www.w3.org/2000/xmlns/";
    private const int InitialBufferChars = 4096;
    // Past a stanza this big the buffer is dropped rather than kept for the connection's lifetime.
    private const int RetainedBufferChars = 64 * 1024;
    // Longer than any predefined entity name or meaningful character reference ("#x10FFFF").
    private const int EntityNameLimit = 32;
    private const int DeclarationLimit = 256;
    // Names and namespace URIs repeat in every stanza; a bounded table avoids allocating them again.
    private const int NameTableLimit = 4096;

    private enum State
    {
        Prolog,
        Content,
        TagOpen,
        StartTagName,
        TagSpace,
        AttributeName,
        AfterAttributeName,
        BeforeAttributeValue,
        AttributeValue,
        EmptyTagClose,
        EndTagName,
        EndTagSpace,
        Entity,
        BangOpen,
        CommentDash,
        CDataOpen,
        CData,
        PiTarget,
        DeclarationBody,
        StreamEnded,
    }

    private readonly record struct AttributeToken(int NameStart, int NameLength, int ValueStart, int ValueLength);

    private readonly record struct OpenElement(XElement Element, string QualifiedName, int BindingMark);

    private readonly record struct NamespaceBinding(string Prefix, string Uri);

    private readonly IStreamParserHandler _handler;
    private readonly IElementFactory _factory;
    private readonly StreamParserOptions _options;

    private readonly List<AttributeToken> _attributes = [];
    private readonly List<XName> _attributeNames = [];
    private readonly List<OpenElement> _open = [];
    private readonly List<NamespaceBinding> _bindings = [];
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    private readonly char[] _entity = new char[EntityNameLimit];

    // The token being built: text of the innermost open element, or the current tag's name, attribute names and
    // values laid end to end (located by _nameLength and _attributes), or the XML declaration's body.
    private char[] _chars = new char[InitialBufferChars];
    private int _charCount;

    private State _state;
    private long _offset;
    private XmlStreamException? _fault;
    private bool _pushing;

    private int _utf8Needed;
    private int _codePoint;
    private int _utf8Lower;
    private int _utf8Upper;
    private bool _afterCarriageReturn;

    // Bytes of the current first-level element (or of the prolog and header); -1 between stanzas.
    private int _stanzaBytes;

    private int _nameLength;
    private int _attributeNameStart;
    private int _attributeNameLength;
    private int _attributeValueStart;
    private bool _sawSpace;
    private char _quote;
    private int _entityLength;
    private bool _entityInAttribute;
    private int _brackets;
    private int _cdataMatched;
    private bool _questionMark;
    private bool _declarationAllowed;
    private string? _streamQualifiedName;

    public StreamParser(IStreamParserHandler handler, IElementFactory? factory = null, StreamParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _handler = handler;
        _factory = factory ?? PlainElementFactory.Instance;
        _options = options ?? new StreamParserOptions();
        _options.Validate();
        _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        Reset();
    }

    /// <summary>Bytes consumed since construction or the last <see cref="Reset"/>.</summary>
    public long Offset => _offset;

    /// <summary>Whether an error has stopped the parser; only <see cref="Reset"/> clears it.</summary>
    public bool IsFaulted => _fault is not null;

    /// <summary>
    /// Forgets the stream and expects a new header, optionally preceded by an XML declaration: for the stream restarts
    /// after STARTTLS (RFC 6120 §5.3.4) and SASL success (§6.4.6). Also clears a fault.
    /// </summary>
    public void Reset()
    {
        _state = State.Prolog;
        _offset = 0;
        _fault = null;
        _utf8Needed = 0;
        _afterCarriageReturn = false;
        _stanzaBytes = 0;
        _charCount = 0;
        _attributes.Clear();
        _open.Clear();
        _bindings.Clear();
        _brackets = 0;
        _questionMark = false;
        _declarationAllowed = true;
        _streamQualifiedName = null;
        if (_chars.Length > RetainedBufferChars)
            _chars = new char[InitialBufferChars];
    }

    /// <summary>
    /// Parses <paramref name="utf8"/> and raises the handler's callbacks for everything it completes; an incomplete
    /// token is kept for the next push. If a handler callback throws, that exception propagates and the rest of this
    /// push is not parsed.
    /// </summary>
    /// <exception cref="XmlStreamException">The bytes are not well-formed XMPP XML, or the parser is faulted.</exception>
    /// <exception cref="InvalidOperationException">Called from inside a handler callback.</exception>
    public void Push(ReadOnlySpan<byte> utf8)
    {
        if (_fault is { } fault)
            throw new XmlStreamException(fault.Reason, "the parser stopped at an earlier error: " + fault.Message, fault.Offset);
        if (_pushing)
            throw new InvalidOperationException("Push cannot be called from inside a parser callback");

        _pushing = true;
        try
        {
            foreach (var b in utf8)
                ConsumeByte(b);
        }
        catch (XmlStreamException ex)
        {
            _fault = ex;
            throw;
        }
        finally
        {
            _pushing = false;
        }
    }

    private void ConsumeByte(byte b)
    {
        _offset++;
        if (_stanzaBytes >= 0 && ++_stanzaBytes > _options.MaxStanzaBytes)
        {
            throw Error(XmlStreamErrorReason.StanzaTooLarge, _streamQualifiedName is null
                ? $"stream header larger than {_options.MaxStanzaBytes} bytes"
                : $"stanza larger than {_options.MaxStanzaBytes} bytes");
        }

        int cp;
        if (_utf8Needed == 0)
        {
            if (b < 0x80)
            {
                cp = b;
            }
            else
            {
                StartUtf8Sequence(b);
                return;
            }
        }
        else
        {
            if (b < _utf8Lower || b > _utf8Upper)
                throw Error(XmlStreamErrorReason.InvalidUtf8, $"byte 0x{b:X2} cannot continue a UTF-8 sequence");
            _utf8Lower = 0x80;
            _utf8Upper = 0xBF;
            _codePoint = (_codePoint << 6) | (b & 0x3F);
            if (--_utf8Needed > 0)
                return;
            cp = _codePoint;
        }

        // Line-end normalization (XML 1.0 §2.11): CR LF and lone CR both become LF before parsing.
        if (cp == '\r')
        {
            _afterCarriageReturn = true;
            cp = '\n';
        }
        else if (_afterCarriageReturn)
        {
            _afterCarriageReturn = false;
            if (cp == '\n')
                return;
        }

        if (!XmlChars.IsChar(cp))
            throw Error(XmlStreamErrorReason.InvalidCharacter, $"character U+{cp:X4} is not allowed in XML");
        Step(cp);
    }

    // Well-formed UTF-8 (RFC 3629 §4): the allowed range of the second byte rules out overlong forms, surrogates and
    // code points above U+10FFFF.
    private void StartUtf8Sequence(byte b)
    {
        (_utf8Needed, _codePoint, _utf8Lower, _utf8Upper) = b switch
        {
            >= 0xC2 and <= 0xDF => (1, b & 0x1F, 0x80, 0xBF),
            0xE0 => (2, b & 0x0F, 0xA0, 0xBF),
            0xED => (2, b & 0x0F, 0x80, 0x9F),
            >= 0xE1 and <= 0xEF => (2, b & 0x0F, 0x80, 0xBF),
            0xF0 => (3, b & 0x07, 0x90, 0xBF),
            >= 0xF1 and <= 0xF3 => (3, b & 0x07, 0x80, 0xBF),
            0xF4 => (3, b & 0x07, 0x80, 0x8F),
            _ => throw Error(XmlStreamErrorReason.InvalidUtf8, $"byte 0x{b:X2} cannot start a UTF-8 sequence"),
        };
    }

    private XmlStreamException Error(XmlStreamErrorReason reason, string message) => new(reason, message, _offset - 1);
}
