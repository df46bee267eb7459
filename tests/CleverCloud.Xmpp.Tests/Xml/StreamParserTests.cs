using System.Xml.Linq;
using CleverCloud.Xmpp.Xml;
using static CleverCloud.Xmpp.Tests.Xml.ParserHarness;

namespace CleverCloud.Xmpp.Tests.Xml;

/// <summary>RFC 6120 §4 (streams) and §11 (XML usage) as the push parser sees well-formed input.</summary>
public sealed class StreamParserTests
{
    private static readonly XNamespace Client = "jabber:client";
    private static readonly XNamespace Streams = "http://etherx.jabber.org/streams";
    private static readonly XNamespace MucUser = "http://jabber.org/protocol/muc#user";

    // The negotiation fixture carries the bytes after <proceed/> and <success/> in the same stream of bytes, so the
    // recorder restarts the parser from inside those callbacks, as a session does.
    private static readonly object[] Fixtures =
    [
        new object[] { "prosody-session.xml", false },
        new object[] { "ejabberd-negotiation.xml", true },
    ];

    private static string ExpectedFileOf(string fixture) => Path.ChangeExtension(fixture, ".expected.txt");

    [TestCaseSource(nameof(Fixtures))]
    public void Fixture_gives_the_expected_events(string fixture, bool restart)
    {
        var expected = FixtureText(ExpectedFileOf(fixture)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var events = ParseWhole(Fixture(fixture), restart).Events;

        Assert.That(events, Is.EqualTo(expected));
    }

    [TestCaseSource(nameof(Fixtures))]
    public void Fixture_split_in_two_at_every_byte_gives_the_same_events(string fixture, bool restart)
    {
        var data = Fixture(fixture);
        var expected = ParseWhole(data, restart).Events;
        for (var split = 1; split < data.Length; split++)
        {
            var events = Parse(data, [split], restart).Events;
            Assert.That(events, Is.EqualTo(expected), $"split at byte {split}");
        }
    }

    [TestCaseSource(nameof(Fixtures))]
    public void Fixture_byte_by_byte_gives_the_same_events(string fixture, bool restart)
    {
        var data = Fixture(fixture);

        var events = Parse(data, Enumerable.Repeat(1, data.Length), restart).Events;

        Assert.That(events, Is.EqualTo(ParseWhole(data, restart).Events));
    }

    [TestCaseSource(nameof(Fixtures))]
    public void Fixture_in_random_chunks_gives_the_same_events(string fixture, bool restart)
    {
        var data = Fixture(fixture);
        var expected = ParseWhole(data, restart).Events;
        var random = new Random(20261204);
        for (var run = 0; run < 100; run++)
        {
            var sizes = Enumerable.Range(0, data.Length).Select(_ => random.Next(1, 64)).ToArray();
            Assert.That(Parse(data, sizes, restart).Events, Is.EqualTo(expected), $"run {run}: {string.Join(',', sizes.Take(20))}…");
        }
    }

    [Test]
    public void Stream_header_carries_its_attributes_and_declarations_but_no_children()
    {
        var header = ParseWhole(Fixture("prosody-session.xml")).Headers.Single();

        Assert.Multiple(() =>
        {
            Assert.That(header.Name, Is.EqualTo(Streams + "stream"));
            Assert.That(header.Attribute("from")?.Value, Is.EqualTo("clever.test"));
            Assert.That(header.Attribute("id")?.Value, Is.EqualTo("4f2d1c0a-9b7e-4e55-a1d0-5c3f2b9e8d71"));
            Assert.That(header.Attribute("version")?.Value, Is.EqualTo("1.0"));
            Assert.That(header.Attribute(XNamespace.Xml + "lang")?.Value, Is.EqualTo("en"));
            Assert.That(header.GetDefaultNamespace(), Is.EqualTo(Client));
            Assert.That(header.GetNamespaceOfPrefix("stream"), Is.EqualTo(Streams));
            Assert.That(header.Nodes(), Is.Empty);
        });
    }

    [Test]
    public void Stanzas_inherit_the_stream_default_namespace_and_resolve_prefixes()
    {
        var elements = ParseWhole(Fixture("prosody-session.xml")).Elements;

        Assert.That(elements, Has.Count.EqualTo(10));
        Assert.Multiple(() =>
        {
            Assert.That(elements[0].Name, Is.EqualTo(Streams + "features"));
            Assert.That(elements[0].Elements().Select(e => e.Name.NamespaceName),
                Is.EqualTo(new[] { "urn:ietf:params:xml:ns:xmpp-tls", "urn:ietf:params:xml:ns:xmpp-sasl", "http://jabber.org/protocol/caps" }));
            Assert.That(elements[0].Descendants().Select(e => e.Name.LocalName), Does.Contain("required"));
            Assert.That(elements[1].Name, Is.EqualTo(Client + "iq"));
            Assert.That(elements[1].Descendants(XName.Get("jid", "urn:ietf:params:xml:ns:xmpp-bind")).Single().Value, Is.EqualTo("cm@clever.test/agent"));
            Assert.That(elements[7].Name, Is.EqualTo(XName.Get("r", "urn:xmpp:sm:3")));
            Assert.That(elements[8].Name, Is.EqualTo(Client + "iq"));
            Assert.That(elements[9].Name, Is.EqualTo(Client + "message"), "two stanzas on one line");
        });
    }

    [Test]
    public void Text_with_multibyte_characters_entities_and_character_references_is_decoded()
    {
        var message = ParseWhole(Fixture("prosody-session.xml")).Elements[5];

        Assert.Multiple(() =>
        {
            Assert.That(message.Attribute(XNamespace.Xml + "lang")?.Value, Is.EqualTo("fr"));
            Assert.That(message.Element(Client + "body")?.Value,
                Is.EqualTo("résumé 日本語 🎉 <tag> & \"q\" 'a' 😀 é a>b ]] "));
            Assert.That(message.Element(XName.Get("payload", "urn:clevercloud:protocol:1"))?.Value,
                Is.EqualTo("{\"v\":1,\"kind\":\"request\",\"id\":\"r1\",\"op\":\"host.info\",\"args\":{\"note\":\"tab\tand\nnewline\"}}"));
        });
    }

    [Test]
    public void Both_quote_styles_prefixed_attributes_cdata_and_rebound_prefixes_are_handled()
    {
        var elements = ParseWhole(Fixture("prosody-session.xml")).Elements;
        var presence = elements[3];
        var custom = elements[6];
        XNamespace first = "urn:example:custom", other = "urn:example:other";
        var data = custom.Element(first + "data")!;

        Assert.Multiple(() =>
        {
            Assert.That(presence.Attribute("id")?.Value, Is.EqualTo("p'1"));
            Assert.That(presence.Element(MucUser + "x")?.Element(MucUser + "item")?.Attribute("jid")?.Value, Is.EqualTo("hm2@clever.test/agent"));
            Assert.That(elements[4].Descendants(MucUser + "status").Select(s => s.Attribute("code")?.Value), Is.EqualTo(new[] { "110", "201" }));
            Assert.That(custom.Attribute("title")?.Value, Is.EqualTo("say \"hi\""));
            Assert.That(custom.Attribute("other")?.Value, Is.EqualTo("it's"));
            Assert.That(data.Attribute(first + "kind")?.Value, Is.EqualTo("x"));
            Assert.That(data.Attribute(first + "tabbed")?.Value, Is.EqualTo("a\tb\nc"), "character references survive normalization");
            Assert.That(data.Attribute(XNamespace.Xml + "lang")?.Value, Is.EqualTo("de"));
            Assert.That(data.Nodes().Single(), Is.TypeOf<XText>(), "CDATA and text merge into one text node");
            Assert.That(data.Value, Is.EqualTo("<not a tag> & raw ]] ]]> after"));
            Assert.That(custom.Element(Client + "empty")?.IsEmpty, Is.True);
            Assert.That(custom.Element(Client + "empty-with-end")?.IsEmpty, Is.False, "<a></a> stays distinct from <a/>");
            Assert.That(custom.Element(other + "nested")?.Element(other + "deep")?.Attribute(other + "kind")?.Value, Is.EqualTo("y"));
        });
    }

    [Test]
    public void Whitespace_inside_a_stanza_is_kept_as_text()
    {
        var iq = ParseWhole(Fixture("prosody-session.xml")).Elements[2];

        Assert.That(iq.Nodes().OfType<XText>().Select(t => t.Value), Is.EqualTo(new[] { "\n  ", "\n" }));
    }

    [Test]
    public void Whitespace_keepalives_between_stanzas_raise_nothing()
    {
        var (parser, recorder) = OpenStream();

        parser.Push(Utf8(" "));
        parser.Push(Utf8("\n\t \r\n"));
        parser.Push(Utf8("<presence/> \n "));

        Assert.That(recorder.Events, Has.Count.EqualTo(2));
        Assert.That(recorder.Events[1], Is.EqualTo("element <presence xmlns=\"jabber:client\"/>"));
    }

    [Test]
    public void Callbacks_come_as_soon_as_the_last_byte_arrives()
    {
        var (parser, recorder) = OpenStream();
        var stanza = Utf8("<message><body>é</body></message>");

        parser.Push(stanza.AsSpan(0, stanza.Length - 1));
        Assert.That(recorder.Elements, Is.Empty);
        parser.Push(stanza.AsSpan(stanza.Length - 1));
        Assert.That(recorder.Elements, Has.Count.EqualTo(1));
        parser.Push(Utf8("</stream:stream>"));
        Assert.That(recorder.StreamEnds, Is.EqualTo(1));
    }

    [Test]
    public void Line_ends_are_normalized_as_xml_requires()
    {
        var (parser, recorder) = OpenStream();

        parser.Push(Utf8("<message a='x\r\ny\rz'><body>one\r\ntwo\rthree&#xD;</body></message>"));

        var message = recorder.Elements.Single();
        Assert.That(message.Attribute("a")?.Value, Is.EqualTo("x y z"));
        Assert.That(message.Value, Is.EqualTo("one\ntwo\nthree\r"));
    }

    [Test]
    public void Crlf_split_across_pushes_is_one_line_end()
    {
        var (parser, recorder) = OpenStream();

        parser.Push(Utf8("<body>a\r"));
        parser.Push(Utf8("\nb</body>"));

        Assert.That(recorder.Elements.Single().Value, Is.EqualTo("a\nb"));
    }

    [Test]
    public void Default_namespace_can_be_undeclared_and_redeclared()
    {
        var (parser, recorder) = OpenStream();

        parser.Push(Utf8("<iq><query xmlns='urn:q'><none xmlns=''><inner/></none><back/></query><after/></iq>"));

        var iq = recorder.Elements.Single();
        Assert.That(iq.Descendants().Select(e => e.Name), Is.EqualTo(new XName[]
        {
            XName.Get("query", "urn:q"), XName.Get("none"), XName.Get("inner"), XName.Get("back", "urn:q"), Client + "after",
        }));
    }

    [Test]
    public void A_declaration_after_the_attribute_that_uses_it_still_applies()
    {
        var (parser, recorder) = OpenStream();

        parser.Push(Utf8("<p:x p:a='1' xmlns:p='urn:p'/>"));

        var element = recorder.Elements.Single();
        Assert.That(element.Name, Is.EqualTo(XName.Get("x", "urn:p")));
        Assert.That(element.Attribute(XName.Get("a", "urn:p"))?.Value, Is.EqualTo("1"));
        Assert.That(element.Attributes().Any(a => a.IsNamespaceDeclaration), Is.False, "stanzas carry names, not declarations");
    }

    [Test]
    public void Element_factory_decides_the_instance_type_at_every_depth()
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder, new TaggingFactory());

        parser.Push(Utf8(Header + "<message id='1'><body>x</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>"));

        var message = recorder.Elements.Single();
        Assert.Multiple(() =>
        {
            Assert.That(message, Is.InstanceOf<TaggedElement>());
            Assert.That(message.Attribute("id")?.Value, Is.EqualTo("1"), "attributes go onto the factory's instance");
            Assert.That(message.Element(Client + "body"), Is.Not.InstanceOf<TaggedElement>());
            Assert.That(message.Element(MucUser + "x"), Is.InstanceOf<TaggedElement>());
        });
    }

    [Test]
    public void Reset_after_proceed_expects_a_new_stream_header()
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder);
        parser.Push(Utf8(Header + "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
            + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));

        parser.Reset();
        parser.Push(Utf8("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='2'><message/>"));

        Assert.Multiple(() =>
        {
            Assert.That(recorder.Headers.Select(h => h.Attribute("id")?.Value), Is.EqualTo(new[] { null, "2" }));
            Assert.That(recorder.Elements.Select(e => e.Name.LocalName), Is.EqualTo(new[] { "features", "proceed", "message" }));
            Assert.That(parser.Offset, Is.EqualTo(Utf8("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='2'><message/>").Length));
        });
    }

    [Test]
    public void Reset_inside_the_callback_parses_the_rest_of_the_push_as_the_new_stream()
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder);
        recorder.RestartOnNegotiation = parser;

        parser.Push(Utf8(Header + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + Header + "<message/>"));

        Assert.That(recorder.Events.Select(e => e.Split(' ')[0]), Is.EqualTo(new[] { "start", "element", "reset", "start", "element" }));
    }

    [Test]
    public void Reset_in_the_middle_of_a_stanza_forgets_it()
    {
        var (parser, recorder) = OpenStream();
        parser.Push(Utf8("<message><body>half"));

        parser.Reset();
        parser.Push(Utf8(Header + "<presence/>"));

        Assert.That(recorder.Elements.Select(e => e.Name.LocalName), Is.EqualTo(new[] { "presence" }));
    }

    [Test]
    public void The_xml_declaration_may_name_utf8_in_any_case_and_be_standalone()
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder);

        parser.Push(Utf8("<?xml version=\"1.0\" encoding='utf-8' standalone='yes' ?>\n" + Header));

        Assert.That(recorder.Headers, Has.Count.EqualTo(1));
    }

    [Test]
    public void Header_bytes_and_keepalives_do_not_count_against_a_stanza()
    {
        const int Limit = 128;
        var stanza = "<message><body>" + new string('x', Limit - 32) + "</body></message>";
        Assert.That(Utf8(stanza), Has.Length.EqualTo(Limit));
        Assert.That(Utf8(Header).Length, Is.LessThan(Limit).And.GreaterThan(Limit - 32));
        var (parser, recorder) = OpenStream(new StreamParserOptions { MaxStanzaBytes = Limit });

        parser.Push(Utf8(new string(' ', 1000) + stanza + new string('\n', 1000) + stanza));

        Assert.That(recorder.Elements, Has.Count.EqualTo(2));
    }

    [Test]
    public void A_stanza_of_exactly_the_limit_is_accepted()
    {
        var stanza = "<message><body>" + new string('x', 200) + "</body></message>";
        var (parser, recorder) = OpenStream(new StreamParserOptions { MaxStanzaBytes = Utf8(stanza).Length });

        parser.Push(Utf8(stanza + stanza));

        Assert.That(recorder.Elements, Has.Count.EqualTo(2));
    }

    [Test]
    public void A_stanza_of_exactly_the_default_limit_is_accepted()
    {
        var (parser, recorder) = OpenStream();
        const string Open = "<message><body>", Close = "</body></message>";
        var filler = new string('é', (StreamParserOptions.DefaultMaxStanzaBytes - Open.Length - Close.Length) / 2);
        var stanza = Utf8(Open + filler + Close);
        Assert.That(stanza, Has.Length.EqualTo(StreamParserOptions.DefaultMaxStanzaBytes));

        parser.Push(stanza);

        Assert.That(recorder.Elements.Single().Value, Has.Length.EqualTo(filler.Length));
    }

    [Test]
    public void Nesting_up_to_the_limit_is_accepted()
    {
        var (parser, recorder) = OpenStream(new StreamParserOptions { MaxDepth = 4 });

        parser.Push(Utf8("<a><b><c><d/></c></b></a>"));

        Assert.That(recorder.Elements.Single().Descendants().Count(), Is.EqualTo(3));
    }

    [Test]
    public void Nesting_up_to_the_default_limit_is_accepted()
    {
        var (parser, recorder) = OpenStream();

        parser.Push(Utf8(string.Concat(Enumerable.Repeat("<a>", 32)) + string.Concat(Enumerable.Repeat("</a>", 32))));

        Assert.That(recorder.Elements.Single().DescendantsAndSelf().Count(), Is.EqualTo(32));
    }

    [Test]
    public void Offset_counts_bytes_since_the_last_reset()
    {
        var (parser, _) = OpenStream();

        parser.Push(Utf8("<body>é</body>"));

        Assert.That(parser.Offset, Is.EqualTo(Utf8(Header).Length + 15));
    }

    [TestCase(0, 32)]
    [TestCase(-1, 32)]
    [TestCase(1024, 0)]
    [TestCase(1024, -5)]
    public void Limits_must_be_positive(int maxStanzaBytes, int maxDepth)
    {
        var options = new StreamParserOptions { MaxStanzaBytes = maxStanzaBytes, MaxDepth = maxDepth };

        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new StreamParser(new Recorder(), options: options));
    }

    [Test]
    public void Pushing_from_inside_a_callback_is_refused()
    {
        StreamParser? parser = null;
        var handler = new PushingHandler(() => parser!.Push(Utf8(" ")));
        parser = new StreamParser(handler);

        Assert.Throws<InvalidOperationException>(() => parser.Push(Utf8(Header)));
    }

    private sealed class PushingHandler(Action push) : IStreamParserHandler
    {
        public void OnStreamStart(XElement header) => push();

        public void OnElement(XElement element)
        {
        }

        public void OnStreamEnd()
        {
        }
    }

    private sealed class TaggedElement(XName name) : XElement(name);

    private sealed class TaggingFactory : IElementFactory
    {
        public XElement Create(XName name) =>
            name == Client + "message" || name.Namespace == MucUser ? new TaggedElement(name) : new XElement(name);
    }
}
