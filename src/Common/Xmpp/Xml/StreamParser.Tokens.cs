namespace CleverCloud.Xmpp.Xml;

// The tokenizer: one call per decoded character, never looking back at what was buffered.
public sealed partial class StreamParser
{
    private const string CDataMarker = "[CDATA[";

    private void Step(int cp)
    {
        switch (_state)
        {
            case State.Content:
                if (_open.Count == 0)
                    BetweenStanzas(cp);
                else
                    InText(cp);
                break;
            case State.TagOpen:
                AfterLessThan(cp);
                break;
            case State.StartTagName:
                if (XmlChars.IsNameChar(cp))
                    Append(cp);
                else
                    EndOfElementName(cp);
                break;
            case State.TagSpace:
                InTag(cp);
                break;
            case State.AttributeName:
                if (XmlChars.IsNameChar(cp))
                {
                    Append(cp);
                }
                else
                {
                    _attributeNameLength = _charCount - _attributeNameStart;
                    if (XmlChars.IsWhitespace(cp))
                        _state = State.AfterAttributeName;
                    else if (cp == '=')
                        _state = State.BeforeAttributeValue;
                    else
                        throw Error(XmlStreamErrorReason.Syntax, $"attribute '{AttributeNameText()}' has no value");
                }
                break;
            case State.AfterAttributeName:
                if (cp == '=')
                    _state = State.BeforeAttributeValue;
                else if (!XmlChars.IsWhitespace(cp))
                    throw Error(XmlStreamErrorReason.Syntax, $"attribute '{AttributeNameText()}' has no value");
                break;
            case State.BeforeAttributeValue:
                if (cp is '"' or '\'')
                {
                    _quote = (char)cp;
                    _attributeValueStart = _charCount;
                    _state = State.AttributeValue;
                }
                else if (!XmlChars.IsWhitespace(cp))
                {
                    throw Error(XmlStreamErrorReason.Syntax, $"the value of attribute '{AttributeNameText()}' is not quoted");
                }
                break;
            case State.AttributeValue:
                InAttributeValue(cp);
                break;
            case State.EmptyTagClose:
                if (cp != '>')
                    throw Error(XmlStreamErrorReason.Syntax, "'/' in a start tag must be followed by '>'");
                FinishStartTag(selfClosing: true);
                break;
            case State.EndTagName:
                if (_charCount == 0 ? XmlChars.IsNameStartChar(cp) : XmlChars.IsNameChar(cp))
                    Append(cp);
                else if (_charCount > 0 && XmlChars.IsWhitespace(cp))
                    _state = State.EndTagSpace;
                else if (_charCount > 0 && cp == '>')
                    FinishEndTag();
                else
                    throw Error(XmlStreamErrorReason.Syntax, "malformed end tag");
                break;
            case State.EndTagSpace:
                if (cp == '>')
                    FinishEndTag();
                else if (!XmlChars.IsWhitespace(cp))
                    throw Error(XmlStreamErrorReason.Syntax, "malformed end tag");
                break;
            case State.Entity:
                InEntity(cp);
                break;
            case State.BangOpen:
                AfterBang(cp);
                break;
            case State.CommentDash:
                if (cp == '-')
                    throw Error(XmlStreamErrorReason.ForbiddenConstruct, "comments are not allowed in XMPP (RFC 6120 §11.1)");
                throw Error(XmlStreamErrorReason.Syntax, "malformed markup after '<!-'");
            case State.CDataOpen:
                if (cp != CDataMarker[_cdataMatched])
                    throw Error(XmlStreamErrorReason.Syntax, "malformed CDATA section start");
                if (++_cdataMatched == CDataMarker.Length)
                {
                    _brackets = 0;
                    _state = State.CData;
                }
                break;
            case State.CData:
                InCData(cp);
                break;
            case State.PiTarget:
                InProcessingInstructionTarget(cp);
                break;
            case State.DeclarationBody:
                InDeclaration(cp);
                break;
            case State.StreamEnded:
                if (!XmlChars.IsWhitespace(cp))
                    throw Error(XmlStreamErrorReason.Syntax, "content after the end of the stream");
                break;
            default: // State.Prolog
                if (cp == '<')
                {
                    _declarationAllowed = _offset == 1;
                    _state = State.TagOpen;
                }
                else if (!XmlChars.IsWhitespace(cp))
                {
                    throw Error(XmlStreamErrorReason.Syntax, "text before the stream header");
                }
                break;
        }
    }

    // Only whitespace keepalives (RFC 6120 §4.6.1) may sit between first-level elements.
    private void BetweenStanzas(int cp)
    {
        if (cp == '<')
        {
            _stanzaBytes = 1;
            _declarationAllowed = false;
            _state = State.TagOpen;
        }
        else if (!XmlChars.IsWhitespace(cp))
        {
            throw Error(XmlStreamErrorReason.Syntax, "text directly inside the stream element");
        }
    }

    private void InText(int cp)
    {
        switch (cp)
        {
            case '<':
                _state = State.TagOpen;
                return;
            case '&':
                _brackets = 0;
                _entityLength = 0;
                _entityInAttribute = false;
                _state = State.Entity;
                return;
            case ']':
                _brackets++;
                break;
            case '>':
                if (_brackets >= 2)
                    throw Error(XmlStreamErrorReason.Syntax, "']]>' is not allowed in text");
                _brackets = 0;
                break;
            default:
                _brackets = 0;
                break;
        }
        Append(cp);
    }

    private void AfterLessThan(int cp)
    {
        if (XmlChars.IsNameStartChar(cp))
        {
            if (_streamQualifiedName is not null && _open.Count + 1 > _options.MaxDepth)
                throw Error(XmlStreamErrorReason.TooDeep, $"elements nested deeper than {_options.MaxDepth} levels");
            FlushText();
            _attributes.Clear();
            Append(cp);
            _state = State.StartTagName;
        }
        else if (cp == '/')
        {
            if (_streamQualifiedName is null)
                throw Error(XmlStreamErrorReason.Syntax, "end tag before the stream header");
            FlushText();
            _state = State.EndTagName;
        }
        else if (cp == '!')
        {
            _state = State.BangOpen;
        }
        else if (cp == '?')
        {
            if (!_declarationAllowed)
                throw Error(XmlStreamErrorReason.ForbiddenConstruct, "processing instructions are not allowed in XMPP (RFC 6120 §11.1)");
            _entityLength = 0;
            _state = State.PiTarget;
        }
        else
        {
            throw Error(XmlStreamErrorReason.Syntax, $"'<' followed by '{char.ConvertFromUtf32(cp)}'");
        }
    }

    private void EndOfElementName(int cp)
    {
        _nameLength = _charCount;
        if (XmlChars.IsWhitespace(cp))
        {
            _sawSpace = true;
            _state = State.TagSpace;
        }
        else if (cp == '/')
        {
            _state = State.EmptyTagClose;
        }
        else if (cp == '>')
        {
            FinishStartTag(selfClosing: false);
        }
        else
        {
            throw Error(XmlStreamErrorReason.Syntax, $"character '{char.ConvertFromUtf32(cp)}' in an element name");
        }
    }

    private void InTag(int cp)
    {
        if (XmlChars.IsWhitespace(cp))
        {
            _sawSpace = true;
        }
        else if (cp == '/')
        {
            _state = State.EmptyTagClose;
        }
        else if (cp == '>')
        {
            FinishStartTag(selfClosing: false);
        }
        else if (XmlChars.IsNameStartChar(cp))
        {
            if (!_sawSpace)
                throw Error(XmlStreamErrorReason.Syntax, "attributes must be separated by whitespace");
            _attributeNameStart = _charCount;
            Append(cp);
            _state = State.AttributeName;
        }
        else
        {
            throw Error(XmlStreamErrorReason.Syntax, $"character '{char.ConvertFromUtf32(cp)}' in a start tag");
        }
    }

    private void InAttributeValue(int cp)
    {
        if (cp == _quote)
        {
            _attributes.Add(new AttributeToken(_attributeNameStart, _attributeNameLength, _attributeValueStart, _charCount - _attributeValueStart));
            _sawSpace = false;
            _state = State.TagSpace;
        }
        else if (cp == '<')
        {
            throw Error(XmlStreamErrorReason.Syntax, "'<' in an attribute value");
        }
        else if (cp == '&')
        {
            _entityLength = 0;
            _entityInAttribute = true;
            _state = State.Entity;
        }
        else
        {
            // Attribute-value normalization (XML 1.0 §3.3.3); CR was already turned into LF.
            Append(cp is '\t' or '\n' ? ' ' : cp);
        }
    }

    private void InEntity(int cp)
    {
        if (cp == ';')
        {
            ResolveEntity(_entity.AsSpan(0, _entityLength));
            _state = _entityInAttribute ? State.AttributeValue : State.Content;
            return;
        }
        if (_entityLength + 2 > EntityNameLimit)
        {
            throw XmlChars.IsNcName(_entity.AsSpan(0, _entityLength))
                ? Error(XmlStreamErrorReason.UnknownEntity, $"entity '&{_entity.AsSpan(0, _entityLength)}…' is not allowed (RFC 6120 §11.1)")
                : Error(XmlStreamErrorReason.Syntax, "unterminated entity or character reference");
        }
        if (!(XmlChars.IsNameChar(cp) || (cp == '#' && _entityLength == 0)))
            throw Error(XmlStreamErrorReason.Syntax, "unterminated entity or character reference");
        _entityLength += WriteUtf16(cp, _entity.AsSpan(_entityLength));
    }

    private void ResolveEntity(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty)
            throw Error(XmlStreamErrorReason.Syntax, "empty entity reference '&;'");
        if (name[0] == '#')
        {
            Append(ParseCharacterReference(name));
            return;
        }
        switch (name)
        {
            case "amp": Append('&'); return;
            case "lt": Append('<'); return;
            case "gt": Append('>'); return;
            case "quot": Append('"'); return;
            case "apos": Append('\''); return;
        }
        if (XmlChars.IsNcName(name))
            throw Error(XmlStreamErrorReason.UnknownEntity, $"entity '&{name};' is not allowed: only the predefined entities are (RFC 6120 §11.1)");
        throw Error(XmlStreamErrorReason.Syntax, $"malformed entity reference '&{name};'");
    }

    private int ParseCharacterReference(ReadOnlySpan<char> name)
    {
        var hex = name.Length > 1 && name[1] == 'x';
        var digits = name[(hex ? 2 : 1)..];
        if (digits.IsEmpty)
            throw Error(XmlStreamErrorReason.Syntax, $"character reference '&{name};' has no digits");
        var value = 0;
        foreach (var c in digits)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' when hex => c - 'a' + 10,
                >= 'A' and <= 'F' when hex => c - 'A' + 10,
                _ => throw Error(XmlStreamErrorReason.Syntax, $"malformed character reference '&{name};'"),
            };
            // Saturate just past the Unicode range: the validity check below refuses it.
            value = Math.Min(value * (hex ? 16 : 10) + digit, 0x110000);
        }
        if (!XmlChars.IsChar(value))
            throw Error(XmlStreamErrorReason.InvalidCharacter, $"character reference '&{name};' is not a valid XML character");
        return value;
    }

    private void AfterBang(int cp)
    {
        if (cp == '-')
        {
            _state = State.CommentDash;
        }
        else if (cp == '[')
        {
            if (_open.Count == 0)
                throw Error(XmlStreamErrorReason.Syntax, "CDATA section directly inside the stream element");
            _cdataMatched = 1;
            _state = State.CDataOpen;
        }
        else if (XmlChars.IsNameStartChar(cp))
        {
            throw Error(XmlStreamErrorReason.ForbiddenConstruct, "DTDs and markup declarations (<!DOCTYPE, <!ENTITY, …) are not allowed in XMPP (RFC 6120 §11.1)");
        }
        else
        {
            throw Error(XmlStreamErrorReason.Syntax, "malformed markup after '<!'");
        }
    }

    // RFC 6120 does not forbid CDATA: its content is text like any other.
    private void InCData(int cp)
    {
        if (cp == ']')
        {
            // Only the last two brackets can start the end marker: "]]]>" is "]" then the end.
            if (_brackets < 2)
                _brackets++;
            else
                Append(']');
            return;
        }
        if (cp == '>' && _brackets == 2)
        {
            _brackets = 0;
            _state = State.Content;
            return;
        }
        for (; _brackets > 0; _brackets--)
            Append(']');
        Append(cp);
    }

    private void InProcessingInstructionTarget(int cp)
    {
        if (XmlChars.IsNameChar(cp) && cp <= 0xFFFF && _entityLength < EntityNameLimit)
        {
            _entity[_entityLength++] = (char)cp;
            return;
        }
        var target = _entity.AsSpan(0, _entityLength);
        if (!(XmlChars.IsWhitespace(cp) || cp == '?') || target.IsEmpty)
            throw Error(XmlStreamErrorReason.ForbiddenConstruct, "processing instructions are not allowed in XMPP (RFC 6120 §11.1)");
        if (!target.SequenceEqual("xml"))
            throw Error(XmlStreamErrorReason.ForbiddenConstruct, $"processing instruction '<?{target}' is not allowed in XMPP (RFC 6120 §11.1)");
        _charCount = 0;
        _questionMark = cp == '?';
        if (!_questionMark)
            Append(cp); // each pseudo-attribute, the first included, must follow whitespace
        _state = State.DeclarationBody;
    }

    private void InDeclaration(int cp)
    {
        if (_questionMark)
        {
            if (cp == '>')
            {
                _questionMark = false;
                CheckDeclaration(_chars.AsSpan(0, _charCount));
                _charCount = 0;
                _declarationAllowed = false;
                _state = State.Prolog;
                return;
            }
            _questionMark = false;
            Append('?');
        }
        if (cp == '?')
        {
            _questionMark = true;
            return;
        }
        if (_charCount >= DeclarationLimit)
            throw Error(XmlStreamErrorReason.Syntax, "the XML declaration is too long");
        Append(cp);
    }

    // XML 1.0 §2.8 XMLDecl: version, then optional encoding and standalone, each a quoted pseudo-attribute.
    private void CheckDeclaration(ReadOnlySpan<char> body)
    {
        var expected = 0; // 0: version next, 1: encoding or standalone, 2: standalone, 3: nothing more
        while (true)
        {
            var trimmed = body.TrimStart(" \t\n");
            if (trimmed.IsEmpty)
                break;
            if (trimmed.Length == body.Length)
                throw Error(XmlStreamErrorReason.Syntax, "malformed XML declaration");
            body = trimmed;
            var equals = body.IndexOf('=');
            if (equals < 0)
                throw Error(XmlStreamErrorReason.Syntax, "malformed XML declaration");
            var name = body[..equals].TrimEnd(" \t\n");
            body = body[(equals + 1)..].TrimStart(" \t\n");
            if (body.IsEmpty || body[0] is not ('"' or '\''))
                throw Error(XmlStreamErrorReason.Syntax, "malformed XML declaration");
            var close = body[1..].IndexOf(body[0]);
            if (close < 0)
                throw Error(XmlStreamErrorReason.Syntax, "malformed XML declaration");
            var value = body.Slice(1, close);
            body = body[(close + 2)..];

            if (name.SequenceEqual("version") && expected == 0)
            {
                if (!value.SequenceEqual("1.0"))
                    throw Error(XmlStreamErrorReason.Syntax, $"XML version '{value}' is not supported: XMPP uses XML 1.0");
                expected = 1;
            }
            else if (name.SequenceEqual("encoding") && expected == 1)
            {
                if (!value.Equals("UTF-8", StringComparison.OrdinalIgnoreCase))
                    throw Error(XmlStreamErrorReason.UnsupportedEncoding, $"encoding '{value}' is not allowed: XMPP streams are UTF-8 (RFC 6120 §11.6)");
                expected = 2;
            }
            else if (name.SequenceEqual("standalone") && expected is 1 or 2)
            {
                if (!(value.SequenceEqual("yes") || value.SequenceEqual("no")))
                    throw Error(XmlStreamErrorReason.Syntax, "malformed XML declaration");
                expected = 3;
            }
            else
            {
                throw Error(XmlStreamErrorReason.Syntax, $"unexpected '{name}' in the XML declaration");
            }
        }
        if (expected == 0)
            throw Error(XmlStreamErrorReason.Syntax, "the XML declaration has no version");
    }

    private void Append(int cp)
    {
        if (_charCount + 2 > _chars.Length)
            Array.Resize(ref _chars, _chars.Length * 2);
        _charCount += WriteUtf16(cp, _chars.AsSpan(_charCount));
    }

    private static int WriteUtf16(int cp, Span<char> destination)
    {
        if (cp <= 0xFFFF)
        {
            destination[0] = (char)cp;
            return 1;
        }
        var scalar = cp - 0x10000;
        destination[0] = (char)(0xD800 + (scalar >> 10));
        destination[1] = (char)(0xDC00 + (scalar & 0x3FF));
        return 2;
    }

    private string AttributeNameText() => new(_chars, _attributeNameStart, _attributeNameLength);
}
