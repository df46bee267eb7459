using CleverCloud.Xmpp.Xml;
using static CleverCloud.Xmpp.Tests.Xml.ParserHarness;

namespace CleverCloud.Xmpp.Tests.Xml;

/// <summary>
/// Bad input (RFC 6120 §11.1 restrictions, XML 1.0 well-formedness, the configured limits): each case must give its
/// precise reason and the offending byte's offset, whole or byte by byte, leave the parser faulted, and be forgotten
/// by Reset.
/// </summary>
public sealed class StreamParserErrorTests
{
    private static XmlStreamException Refuse(string text, XmlStreamErrorReason reason, StreamParserOptions? options = null) =>
        Refuse(Utf8(text), reason, options);

    private static XmlStreamException Refuse(byte[] data, XmlStreamErrorReason reason, StreamParserOptions? options = null)
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder, options: options);
        var whole = Assert.Throws<XmlStreamException>(() => parser.Push(data))!;
        Assert.That(whole.Reason, Is.EqualTo(reason), whole.Message);
        Assert.That(whole.Message, Does.Contain($"at byte {whole.Offset}"));

        Assert.That(parser.IsFaulted, Is.True);
        var again = Assert.Throws<XmlStreamException>(() => parser.Push(Utf8(" ")))!;
        Assert.That(again.Reason, Is.EqualTo(reason), "a faulted parser keeps refusing with the same reason");

        var eventsBefore = recorder.Events.Count;
        parser.Reset();
        parser.Push(Utf8(Header + "<presence/>"));
        Assert.That(recorder.Events.Skip(eventsBefore).Select(e => e.Split(' ')[0]), Is.EqualTo(new[] { "start", "element" }),
            "after Reset the parser works again");

        var byteByByte = new StreamParser(new Recorder(), options: options);
        var consumed = 0;
        var piecewise = Assert.Throws<XmlStreamException>(() =>
        {
            for (; consumed < data.Length; consumed++)
                byteByByte.Push(data.AsSpan(consumed, 1));
        })!;
        Assert.That(piecewise.Reason, Is.EqualTo(reason), "byte by byte: " + piecewise.Message);
        Assert.That(piecewise.Offset, Is.EqualTo(whole.Offset), "both ways fail at the same byte");
        Assert.That(consumed, Is.EqualTo(whole.Offset), "the push holding the offending byte fails");
        return whole;
    }

    private static int OffsetOf(string text, string marker) => Utf8(text[..text.IndexOf(marker, StringComparison.Ordinal)]).Length;

    // ---------------------------------------------------------------- RFC 6120 §11.1 restricted XML

    [Test]
    public void Doctype_is_refused()
    {
        var ex = Refuse("<?xml version='1.0'?><!DOCTYPE stream:stream SYSTEM 'x.dtd'>" + Header, XmlStreamErrorReason.ForbiddenConstruct);

        Assert.That(ex.Offset, Is.EqualTo(23), "refused at the D, before the rest of the declaration arrives");
    }

    [Test]
    public void Billion_laughs_internal_entity_declarations_are_refused()
    {
        const string Bomb = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;'>]>"
            + "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><message>&lol2;</message>";

        Refuse(Bomb, XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void Entity_declaration_inside_the_stream_is_refused()
    {
        Refuse(Header + "<!ENTITY lol 'lol'>", XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void External_entity_declaration_is_refused()
    {
        Refuse("<!DOCTYPE foo [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>" + Header + "<message><body>&xxe;</body></message>",
            XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void External_entity_reference_is_refused()
    {
        var text = Header + "<message><body>&xxe;</body></message>";

        var ex = Refuse(text, XmlStreamErrorReason.UnknownEntity);

        Assert.That(ex.Offset, Is.EqualTo(OffsetOf(text, ";</body>")));
    }

    [TestCase("&nbsp;")]
    [TestCase("&copy;")]
    [TestCase("&AMP;")]
    [TestCase("&lol2;")]
    [TestCase("&averyveryveryveryverylongentityname")]
    public void Unknown_entity_in_text_is_refused(string reference)
    {
        Refuse(Header + "<message><body>" + reference + "</body></message>", XmlStreamErrorReason.UnknownEntity);
    }

    [Test]
    public void Unknown_entity_in_an_attribute_is_refused()
    {
        Refuse(Header + "<message to='&ent;'/>", XmlStreamErrorReason.UnknownEntity);
    }

    [Test]
    public void Comment_inside_a_stanza_is_refused()
    {
        var text = Header + "<message><!-- hi --></message>";

        var ex = Refuse(text, XmlStreamErrorReason.ForbiddenConstruct);

        Assert.That(ex.Offset, Is.EqualTo(OffsetOf(text, "-- hi") + 1));
    }

    [Test]
    public void Comment_between_stanzas_is_refused()
    {
        Refuse(Header + "<presence/><!---->", XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void Comment_before_the_stream_header_is_refused()
    {
        Refuse("<?xml version='1.0'?><!-- server banner -->" + Header, XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void Processing_instruction_inside_the_stream_is_refused()
    {
        Refuse(Header + "<?php echo 1 ?>", XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void Processing_instruction_inside_a_stanza_is_refused()
    {
        Refuse(Header + "<message><?target data?></message>", XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void Processing_instruction_at_the_start_is_refused_unless_it_is_the_xml_declaration()
    {
        Refuse("<?xml-stylesheet href='a.xsl'?>" + Header, XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void Xml_declaration_anywhere_but_the_very_start_is_refused()
    {
        Refuse(" <?xml version='1.0'?>" + Header, XmlStreamErrorReason.ForbiddenConstruct);
        Refuse(Header + "<?xml version='1.0'?>", XmlStreamErrorReason.ForbiddenConstruct);
    }

    [Test]
    public void Xml_declaration_naming_another_encoding_is_refused()
    {
        Refuse("<?xml version='1.0' encoding='ISO-8859-1'?>" + Header, XmlStreamErrorReason.UnsupportedEncoding);
    }

    [TestCase("<?xml?>")]
    [TestCase("<?xml encoding='UTF-8'?>")]
    [TestCase("<?xml version='1.1'?>")]
    [TestCase("<?xml version=1.0?>")]
    [TestCase("<?xml version='1.0' foo='bar'?>")]
    [TestCase("<?xml version='1.0'encoding='UTF-8'?>")]
    public void Malformed_xml_declaration_is_refused(string declaration)
    {
        Refuse(declaration + Header, XmlStreamErrorReason.Syntax);
    }

    // ---------------------------------------------------------------- characters and encoding

    [TestCase(new byte[] { 0x80 }, TestName = "lone continuation byte")]
    [TestCase(new byte[] { 0xC3, 0x28 }, TestName = "lead byte followed by ASCII")]
    [TestCase(new byte[] { 0xC0, 0xBC }, TestName = "overlong '<'")]
    [TestCase(new byte[] { 0xE0, 0x80, 0xBC }, TestName = "overlong three-byte form")]
    [TestCase(new byte[] { 0xED, 0xA0, 0x80 }, TestName = "encoded surrogate U+D800")]
    [TestCase(new byte[] { 0xF4, 0x90, 0x80, 0x80 }, TestName = "code point above U+10FFFF")]
    [TestCase(new byte[] { 0xF5, 0x80, 0x80, 0x80 }, TestName = "lead byte F5")]
    [TestCase(new byte[] { 0xFF }, TestName = "byte FF")]
    [TestCase(new byte[] { 0xE6, 0x97, 0x3C }, TestName = "truncated sequence before markup")]
    public void Invalid_utf8_is_refused(byte[] bad)
    {
        var prefix = Utf8(Header + "<message><body>");
        var data = prefix.Concat(bad).Concat(Utf8("</body></message>")).ToArray();

        var ex = Refuse(data, XmlStreamErrorReason.InvalidUtf8);

        Assert.That(ex.Offset, Is.InRange(prefix.Length, prefix.Length + bad.Length - 1));
    }

    [Test]
    public void Invalid_utf8_in_an_attribute_value_is_refused()
    {
        var data = Utf8(Header + "<message to='").Concat(new byte[] { 0xC3 }).Concat(Utf8("'/>")).ToArray();

        Refuse(data, XmlStreamErrorReason.InvalidUtf8);
    }

    [TestCase("&#0;")]
    [TestCase("&#x0;")]
    [TestCase("&#xD800;")]
    [TestCase("&#xDFFF;")]
    [TestCase("&#xFFFE;")]
    [TestCase("&#x110000;")]
    [TestCase("&#99999999999999999999;")]
    [TestCase("&#8;")]
    public void Character_reference_to_a_forbidden_character_is_refused(string reference)
    {
        Refuse(Header + "<message><body>" + reference + "</body></message>", XmlStreamErrorReason.InvalidCharacter);
    }

    [Test]
    public void Character_reference_to_a_forbidden_character_in_an_attribute_is_refused()
    {
        Refuse(Header + "<message id='&#x1;'/>", XmlStreamErrorReason.InvalidCharacter);
    }

    [TestCase("\u0001")]
    [TestCase("\u001F")]
    [TestCase("\uFFFE")]
    [TestCase("\uFFFF")]
    public void Raw_forbidden_character_is_refused(string character)
    {
        Refuse(Header + "<message><body>" + character + "</body></message>", XmlStreamErrorReason.InvalidCharacter);
    }

    [Test]
    public void Raw_nul_between_stanzas_is_refused()
    {
        Refuse(Header + "<presence/>\0", XmlStreamErrorReason.InvalidCharacter);
    }

    [TestCase("&#;")]
    [TestCase("&#x;")]
    [TestCase("&#12a;")]
    [TestCase("&#xG1;")]
    [TestCase("&;")]
    [TestCase("&amp ")]
    [TestCase("& ")]
    public void Malformed_references_are_refused(string reference)
    {
        Refuse(Header + "<message><body>" + reference + "</body></message>", XmlStreamErrorReason.Syntax);
    }

    // ---------------------------------------------------------------- well-formedness

    [Test]
    public void Attribute_without_quotes_is_refused()
    {
        Refuse(Header + "<message type=chat/>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Attribute_without_value_is_refused()
    {
        Refuse(Header + "<message checked/>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Attributes_not_separated_by_whitespace_are_refused()
    {
        Refuse(Header + "<message a='1'b='2'/>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Less_than_in_an_attribute_value_is_refused()
    {
        var text = Header + "<message a='x<y'/>";

        var ex = Refuse(text, XmlStreamErrorReason.Syntax);

        Assert.That(ex.Offset, Is.EqualTo(OffsetOf(text, "<y")));
    }

    [Test]
    public void Garbage_after_the_stream_close_is_refused()
    {
        Refuse(Header + "<presence/></stream:stream>\n<message/>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Text_directly_inside_the_stream_is_refused()
    {
        Refuse(Header + "<presence/>hello", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Text_before_the_stream_header_is_refused()
    {
        Refuse("HTTP/1.1 400 Bad Request\r\n", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void A_stanza_without_a_stream_header_is_refused()
    {
        Refuse("<message/>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void An_empty_stream_element_is_refused()
    {
        Refuse("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'/>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void A_stream_header_in_the_wrong_namespace_is_refused()
    {
        Refuse("<stream:stream xmlns:stream='urn:not-streams'>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Cdata_directly_inside_the_stream_is_refused()
    {
        Refuse(Header + "<![CDATA[ ]]>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Malformed_cdata_start_is_refused()
    {
        Refuse(Header + "<message><![CDAT[x]]></message>", XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Cdata_end_marker_in_text_is_refused()
    {
        Refuse(Header + "<message><body>a]]>b</body></message>", XmlStreamErrorReason.Syntax);
    }

    [TestCase("<1message/>")]
    [TestCase("<:message/>")]
    [TestCase("<a:/>")]
    [TestCase("<a:b:c xmlns:a='urn:a'/>")]
    [TestCase("<message a:='1'/>")]
    [TestCase("< message/>")]
    [TestCase("<message/ >")]
    [TestCase("<message></ message>")]
    [TestCase("<message></message x>")]
    public void Malformed_names_and_tags_are_refused(string stanza)
    {
        Refuse(Header + stanza, XmlStreamErrorReason.Syntax);
    }

    [TestCase("<x xmlns:p=''/>")]
    [TestCase("<x xmlns:xmlns='urn:a'/>")]
    [TestCase("<x xmlns:xml='urn:a'/>")]
    [TestCase("<x xmlns:p='http://www.w3.org/XML/1998/namespace'/>")]
    [TestCase("<x xmlns:p='http://www.w3.org/2000/xmlns/'/>")]
    public void Illegal_namespace_declarations_are_refused(string stanza)
    {
        Refuse(Header + stanza, XmlStreamErrorReason.Syntax);
    }

    [Test]
    public void Mismatched_end_tag_is_refused()
    {
        var text = Header + "<message><body>x</message>";

        var ex = Refuse(text, XmlStreamErrorReason.MismatchedTag);

        Assert.That(ex.Offset, Is.EqualTo(text.Length - 1), "refused at the '>' of the wrong end tag");
    }

    [Test]
    public void End_tag_with_another_prefix_for_the_same_namespace_is_refused()
    {
        Refuse(Header + "<a:x xmlns:a='urn:u' xmlns:b='urn:u'></b:x>", XmlStreamErrorReason.MismatchedTag);
    }

    [Test]
    public void Wrong_end_tag_for_the_stream_is_refused()
    {
        Refuse(Header + "<presence/></stream:features>", XmlStreamErrorReason.MismatchedTag);
    }

    [Test]
    public void Stream_close_inside_an_open_stanza_is_refused()
    {
        Refuse(Header + "<message></stream:stream>", XmlStreamErrorReason.MismatchedTag);
    }

    [Test]
    public void Duplicate_attribute_is_refused()
    {
        Refuse(Header + "<message id='1' id='2'/>", XmlStreamErrorReason.DuplicateAttribute);
    }

    [Test]
    public void Duplicate_attribute_by_expanded_name_is_refused()
    {
        Refuse(Header + "<x xmlns:a='urn:u' xmlns:b='urn:u' a:k='1' b:k='2'/>", XmlStreamErrorReason.DuplicateAttribute);
    }

    [Test]
    public void Duplicate_xml_lang_is_refused()
    {
        Refuse(Header + "<x xml:lang='en' xmlns:xml='http://www.w3.org/XML/1998/namespace' xml:lang='fr'/>", XmlStreamErrorReason.DuplicateAttribute);
    }

    [Test]
    public void Duplicate_namespace_declaration_is_refused()
    {
        Refuse(Header + "<x xmlns='urn:a' xmlns='urn:b'/>", XmlStreamErrorReason.DuplicateAttribute);
    }

    [Test]
    public void Duplicate_attribute_on_the_stream_header_is_refused()
    {
        Refuse("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' to='a' to='b'>", XmlStreamErrorReason.DuplicateAttribute);
    }

    [Test]
    public void Unbound_element_prefix_is_refused()
    {
        Refuse(Header + "<x:message/>", XmlStreamErrorReason.UnboundPrefix);
    }

    [Test]
    public void Unbound_attribute_prefix_is_refused()
    {
        Refuse(Header + "<message x:type='chat'/>", XmlStreamErrorReason.UnboundPrefix);
    }

    [Test]
    public void Prefix_declared_on_a_closed_sibling_is_unbound()
    {
        Refuse(Header + "<iq><a xmlns:p='urn:p'/><p:b/></iq>", XmlStreamErrorReason.UnboundPrefix);
    }

    [Test]
    public void Stream_header_without_the_stream_prefix_declared_is_refused()
    {
        Refuse("<stream:stream xmlns='jabber:client'>", XmlStreamErrorReason.UnboundPrefix);
    }

    // ---------------------------------------------------------------- limits

    [Test]
    public void Stanza_over_a_small_limit_is_refused_as_soon_as_it_crosses_it()
    {
        var options = new StreamParserOptions { MaxStanzaBytes = 1024 };
        var text = Header + "   <message><body>" + new string('a', 5000) + "</body></message>";

        var ex = Refuse(text, XmlStreamErrorReason.StanzaTooLarge, options);

        Assert.That(ex.Offset, Is.EqualTo(OffsetOf(text, "<message") + 1024), "the 1025th byte of the stanza");
    }

    [Test]
    public void Stanza_over_the_default_limit_is_refused()
    {
        var text = Header + "<message><body>" + new string('é', StreamParserOptions.DefaultMaxStanzaBytes / 2) + "</body></message>";

        var ex = Refuse(text, XmlStreamErrorReason.StanzaTooLarge);

        Assert.That(ex.Offset, Is.EqualTo(Utf8(Header).Length + StreamParserOptions.DefaultMaxStanzaBytes));
    }

    [Test]
    public void Unterminated_start_tag_cannot_grow_past_the_limit()
    {
        var options = new StreamParserOptions { MaxStanzaBytes = 1024 };

        Refuse(Header + "<message a='" + new string('a', 2000), XmlStreamErrorReason.StanzaTooLarge, options);
    }

    [Test]
    public void Oversized_stream_header_is_refused()
    {
        var options = new StreamParserOptions { MaxStanzaBytes = 256 };

        Refuse("<stream:stream xmlns:stream='http://etherx.jabber.org/streams' id='" + new string('x', 300) + "'>",
            XmlStreamErrorReason.StanzaTooLarge, options);
    }

    [Test]
    public void Nesting_past_a_small_limit_is_refused()
    {
        var options = new StreamParserOptions { MaxDepth = 4 };

        var ex = Refuse(Header + "<a><b><c><d><e/></d></c></b></a>", XmlStreamErrorReason.TooDeep, options);

        Assert.That(ex.Offset, Is.EqualTo(Utf8(Header).Length + 13), "refused at the name of the fifth level");
    }

    [Test]
    public void Nesting_past_the_default_limit_is_refused()
    {
        Refuse(Header + string.Concat(Enumerable.Repeat("<a>", 33)), XmlStreamErrorReason.TooDeep);
    }

    [Test]
    public void A_partial_stanza_raises_nothing_before_the_error()
    {
        var (parser, recorder) = OpenStream();

        Assert.Throws<XmlStreamException>(() => parser.Push(Utf8("<message><body>ok</body><!-- x --></message>")));

        Assert.That(recorder.Elements, Is.Empty);
    }
}
