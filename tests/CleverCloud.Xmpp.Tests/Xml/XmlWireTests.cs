using System.Buffers;
using System.Text;
using System.Xml.Linq;
using CleverCloud.Xmpp.Xml;
using static CleverCloud.Xmpp.Tests.Xml.ParserHarness;

namespace CleverCloud.Xmpp.Tests.Xml;

/// <summary>The wire serializer, and round trips element → bytes → parser → equal element.</summary>
public sealed class XmlWireTests
{
    private static readonly XNamespace Client = "jabber:client";

    private static string Wire(XElement element) => Encoding.UTF8.GetString(XmlWire.ToUtf8(element));

    private static XElement RoundTrip(XElement element, string header = Header)
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder);
        parser.Push(Utf8(header));
        parser.Push(XmlWire.ToUtf8(element));
        return recorder.Elements.Single();
    }

    [Test]
    public void A_client_stanza_declares_its_default_namespace_and_nothing_else()
    {
        var message = new XElement(Client + "message", new XAttribute("to", "hm1@clever.test/agent"), new XAttribute("type", "chat"),
            new XElement(Client + "body", "hi"));

        Assert.That(Wire(message), Is.EqualTo("<message xmlns=\"jabber:client\" to=\"hm1@clever.test/agent\" type=\"chat\"><body>hi</body></message>"));
    }

    [Test]
    public void Children_in_another_namespace_or_in_none_redeclare_the_default()
    {
        var iq = new XElement(Client + "iq",
            new XElement(XName.Get("query", "urn:q"), new XElement(XName.Get("item", "urn:q")), new XElement("bare")),
            new XElement(Client + "after"));

        Assert.That(Wire(iq), Is.EqualTo("<iq xmlns=\"jabber:client\"><query xmlns=\"urn:q\"><item/><bare xmlns=\"\"/></query><after/></iq>"));
    }

    [Test]
    public void A_top_element_in_no_namespace_undeclares_the_default()
    {
        Assert.That(Wire(new XElement("x", new XAttribute("a", "1"))), Is.EqualTo("<x xmlns=\"\" a=\"1\"/>"));
    }

    [Test]
    public void Text_is_escaped_including_greater_than_and_carriage_return()
    {
        var body = new XElement(Client + "body", "a<b>c&d \"q\" 'a' \t\n\r日本語 🎉");

        Assert.That(Wire(body), Is.EqualTo("<body xmlns=\"jabber:client\">a&lt;b&gt;c&amp;d \"q\" 'a' \t\n&#xD;日本語 🎉</body>"));
    }

    [Test]
    public void Attribute_values_escape_quotes_markup_and_whitespace_that_normalization_would_change()
    {
        var element = new XElement("x", new XAttribute("a", "<\"'&>\t\n\r end"));

        Assert.That(Wire(element), Is.EqualTo("<x xmlns=\"\" a=\"&lt;&quot;'&amp;&gt;&#x9;&#xA;&#xD; end\"/>"));
    }

    [Test]
    public void Xml_lang_and_namespaced_attributes_get_prefixes()
    {
        var element = new XElement(XName.Get("data", "urn:a"),
            new XAttribute(XNamespace.Xml + "lang", "fr"),
            new XAttribute(XName.Get("kind", "urn:b"), "x"),
            new XElement(XName.Get("inner", "urn:a"), new XAttribute(XName.Get("other", "urn:b"), "y")));

        Assert.That(Wire(element), Is.EqualTo(
            "<data xmlns=\"urn:a\" xml:lang=\"fr\" xmlns:ns0=\"urn:b\" ns0:kind=\"x\"><inner ns0:other=\"y\"/></data>"));
    }

    [Test]
    public void A_prefix_declared_on_the_element_is_reused_for_its_attributes()
    {
        var element = new XElement(Client + "message",
            new XAttribute(XNamespace.Xmlns + "c", "urn:example:custom"),
            new XAttribute(XName.Get("kind", "urn:example:custom"), "x"));

        Assert.That(Wire(element), Is.EqualTo("<message xmlns=\"jabber:client\" xmlns:c=\"urn:example:custom\" c:kind=\"x\"/>"));
    }

    [Test]
    public void Empty_content_and_no_content_stay_distinct()
    {
        Assert.That(Wire(new XElement("a", new XElement("b"), new XElement("c", ""))), Is.EqualTo("<a xmlns=\"\"><b/><c></c></a>"));
    }

    [Test]
    public void Cdata_is_written_as_escaped_text()
    {
        Assert.That(Wire(new XElement("a", new XCData("<x> ]]> &"))), Is.EqualTo("<a xmlns=\"\">&lt;x&gt; ]]&gt; &amp;</a>"));
    }

    [Test]
    public void A_comment_cannot_be_serialized()
    {
        var element = new XElement("a", new XComment("no"));

        var ex = Assert.Throws<ArgumentException>(() => XmlWire.ToUtf8(element));

        Assert.That(ex!.Message, Does.Contain("Comment"));
    }

    [Test]
    public void A_processing_instruction_cannot_be_serialized()
    {
        Assert.Throws<ArgumentException>(() => XmlWire.ToUtf8(new XElement("a", new XProcessingInstruction("t", "d"))));
    }

    // Code units, not strings: attribute arguments cannot carry a lone surrogate.
    [TestCase(0x0000)]
    [TestCase(0x0001)]
    [TestCase(0xFFFE)]
    [TestCase(0xD800)]
    [TestCase(0xDC00)]
    public void A_character_xml_does_not_allow_cannot_be_serialized_in_text(int codeUnit)
    {
        var text = "a" + (char)codeUnit + "b";

        var ex = Assert.Throws<ArgumentException>(() => XmlWire.ToUtf8(new XElement("body", text)));

        Assert.That(ex!.Message, Does.Contain("<body>"));
    }

    [Test]
    public void A_character_xml_does_not_allow_cannot_be_serialized_in_an_attribute()
    {
        Assert.Throws<ArgumentException>(() => XmlWire.ToUtf8(new XElement("x", new XAttribute("a", "\u0002"))));
    }

    [Test]
    public void WriteTo_appends_to_the_writer_and_returns_the_byte_count()
    {
        var writer = new ArrayBufferWriter<byte>();
        writer.Write(Utf8("prefix"));
        var element = new XElement(Client + "body", "é🎉");

        var written = XmlWire.WriteTo(element, writer);

        Assert.That(written, Is.EqualTo(XmlWire.ToUtf8(element).Length));
        Assert.That(Encoding.UTF8.GetString(writer.WrittenSpan), Is.EqualTo("prefix<body xmlns=\"jabber:client\">é🎉</body>"));
    }

    [Test]
    public void Stream_header_has_every_attribute_and_escapes_values()
    {
        var header = XmlWire.StreamHeader("clever.test", "cm@clever.test", "jabber:client", "a\"b", version: "1.0", lang: "fr");

        Assert.That(header, Is.EqualTo("<stream:stream xmlns=\"jabber:client\" xmlns:stream=\"http://etherx.jabber.org/streams\" "
            + "to=\"clever.test\" from=\"cm@clever.test\" id=\"a&quot;b\" version=\"1.0\" xml:lang=\"fr\">"));
    }

    [Test]
    public void Stream_header_leaves_out_absent_from_and_id()
    {
        Assert.That(XmlWire.StreamHeader("clever.test", null, "jabber:server", null), Is.EqualTo(
            "<stream:stream xmlns=\"jabber:server\" xmlns:stream=\"http://etherx.jabber.org/streams\" to=\"clever.test\" version=\"1.0\" xml:lang=\"en\">"));
    }

    [TestCase("")]
    [TestCase("bad\u0000")]
    public void Stream_header_refuses_a_bad_to(string to)
    {
        Assert.Throws<ArgumentException>(() => XmlWire.StreamHeader(to, null, "jabber:client", null));
    }

    [Test]
    public void Stream_header_and_close_parse_back()
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder);

        parser.Push(Utf8(XmlWire.StreamHeader("clever.test", "hm1@clever.test", "jabber:client", "s-1")));
        parser.Push(XmlWire.ToUtf8(new XElement(Client + "presence")));
        parser.Push(Utf8(XmlWire.StreamClose));

        var header = recorder.Headers.Single();
        Assert.Multiple(() =>
        {
            Assert.That(header.Attribute("to")?.Value, Is.EqualTo("clever.test"));
            Assert.That(header.Attribute("from")?.Value, Is.EqualTo("hm1@clever.test"));
            Assert.That(header.Attribute("id")?.Value, Is.EqualTo("s-1"));
            Assert.That(header.Attribute("version")?.Value, Is.EqualTo("1.0"));
            Assert.That(header.Attribute(XNamespace.Xml + "lang")?.Value, Is.EqualTo("en"));
            Assert.That(header.GetDefaultNamespace(), Is.EqualTo(Client));
            Assert.That(recorder.Elements.Single().Name, Is.EqualTo(Client + "presence"));
            Assert.That(recorder.StreamEnds, Is.EqualTo(1));
        });
    }

    private static IEnumerable<TestCaseData> HandBuiltElements()
    {
        yield return new TestCaseData(new XElement(Client + "message", new XAttribute("type", "groupchat"),
            new XElement(Client + "body", "résumé 日本語 🎉 <&> \"'\r\n\t"),
            new XElement(XName.Get("payload", "urn:clevercloud:protocol:1"), "{\"op\":\"vm.start\"}"))).SetName("message with tricky text");
        yield return new TestCaseData(new XElement(Client + "presence",
            new XElement(XName.Get("x", "http://jabber.org/protocol/muc#user"),
                new XElement(XName.Get("item", "http://jabber.org/protocol/muc#user"), new XAttribute("affiliation", "member"), new XAttribute("jid", "a@b/c")),
                new XElement(XName.Get("status", "http://jabber.org/protocol/muc#user"), new XAttribute("code", "110"))))).SetName("MUC presence");
        yield return new TestCaseData(new XElement(XName.Get("data", "urn:a"), new XAttribute(XNamespace.Xml + "lang", "de"),
            new XAttribute(XName.Get("k", "urn:b"), "\t a \n b \r"), new XAttribute("plain", "<>&\"'"),
            new XElement(XName.Get("inner", "urn:b"), new XAttribute(XName.Get("k", "urn:a"), "v"), new XElement("none")))).SetName("namespaced attributes");
        yield return new TestCaseData(new XElement(Client + "iq", new XElement(Client + "empty"), new XElement(Client + "ended", ""), "  ",
            new XElement(XName.Get("query", "urn:q"), "text ", new XElement(XName.Get("b", "urn:q"), "bold"), " more"))).SetName("mixed content");
    }

    [TestCaseSource(nameof(HandBuiltElements))]
    public void Hand_built_elements_round_trip(XElement element)
    {
        var parsed = RoundTrip(element);

        Assert.That(XNode.DeepEquals(parsed, element), Is.True, $"{element}\n≠\n{parsed}");
    }

    [Test]
    public void Round_trip_does_not_depend_on_the_stream_default_namespace()
    {
        var element = new XElement(XName.Get("iq", "jabber:client"), new XElement("bare"));

        var parsed = RoundTrip(element, "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>");

        Assert.That(XNode.DeepEquals(parsed, element), Is.True);
    }

    [TestCase("prosody-session.xml", false)]
    [TestCase("ejabberd-negotiation.xml", true)]
    public void Every_fixture_element_round_trips(string fixture, bool restart)
    {
        var elements = ParseWhole(Fixture(fixture), restart).Elements;
        Assert.That(elements, Is.Not.Empty);

        foreach (var element in elements)
        {
            var parsed = RoundTrip(element);
            Assert.That(XNode.DeepEquals(parsed, element), Is.True, element.ToString());
        }
    }

    [Test]
    public void Random_trees_round_trip()
    {
        var random = new Random(6120);
        for (var i = 0; i < 300; i++)
        {
            var element = RandomElement(random, depth: 0);
            var parsed = RoundTrip(element);
            Assert.That(XNode.DeepEquals(parsed, element), Is.True, $"tree {i}: {element}");
        }
    }

    private static readonly string[] Namespaces = ["", "jabber:client", "urn:a", "urn:b", "http://jabber.org/protocol/muc#user"];
    private static readonly string[] Names = ["message", "x", "item", "body", "é-name", "日本", "a.b", "_c1"];
    private static readonly string[] TextPieces = ["plain", " ", "\t", "\n", "\r", "<", ">", "&", "\"", "'", "]]>", "é", "日本語", "🎉", "&amp;", "\uE000", "\uFFFD"];

    private static XElement RandomElement(Random random, int depth)
    {
        var element = new XElement(XName.Get(Pick(random, Names), Pick(random, Namespaces)));
        for (var a = random.Next(4); a > 0; a--)
        {
            var ns = random.Next(4) == 0 ? (random.Next(2) == 0 ? XNamespace.Xml.NamespaceName : Pick(random, Namespaces)) : "";
            element.SetAttributeValue(XName.Get(Pick(random, Names), ns), RandomText(random));
        }
        var children = depth < 5 ? random.Next(4) : 0;
        for (var c = 0; c < children; c++)
        {
            if (random.Next(3) == 0)
                element.Add(new XText(RandomText(random)));
            else
                element.Add(RandomElement(random, depth + 1));
        }
        // Adjacent text nodes are one text node on the wire.
        MergeAdjacentText(element);
        if (element.IsEmpty && random.Next(3) == 0)
            element.Add(string.Empty);
        return element;
    }

    private static void MergeAdjacentText(XElement element)
    {
        var nodes = element.Nodes().ToList();
        element.RemoveNodes();
        foreach (var node in nodes)
        {
            if (node is XText text && element.LastNode is XText last)
                last.Value += text.Value;
            else if (node is XText { Value.Length: 0 })
                continue;
            else
                element.Add(node);
        }
    }

    private static string RandomText(Random random)
    {
        var text = new StringBuilder();
        for (var n = random.Next(5); n > 0; n--)
            text.Append(Pick(random, TextPieces));
        return text.ToString();
    }

    private static string Pick(Random random, string[] choices) => choices[random.Next(choices.Length)];
}
