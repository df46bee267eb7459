using System.Text;
using System.Xml.Linq;
using CleverCloud.Xmpp.Xml;

namespace CleverCloud.Xmpp.Tests.Xml;

/// <summary>RFC 6120 §4 (streams) and §11 (XML usage) as the push parser sees them.</summary>
public sealed class StreamParserTests
{
    private sealed class Recorder : IStreamParserHandler
    {
        public readonly List<string> Events = [];
        public readonly List<XElement> Elements = [];
        public XElement? Header;

        public void OnStreamStart(XElement header)
        {
            Header = header;
            Events.Add("start " + header.ToString(SaveOptions.DisableFormatting));
        }

        public void OnElement(XElement element)
        {
            Elements.Add(element);
            Events.Add("element " + element.ToString(SaveOptions.DisableFormatting));
        }

        public void OnStreamEnd() => Events.Add("end");
    }

    private static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name));

    private static List<string> ParseInChunks(byte[] data, IEnumerable<int> chunkSizes, StreamParserOptions? options = null)
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder, options: options);
        var offset = 0;
        foreach (var size in chunkSizes)
        {
            if (offset >= data.Length) break;
            var take = Math.Min(size, data.Length - offset);
            parser.Push(data.AsSpan(offset, take));
            offset += take;
        }
        if (offset < data.Length)
            parser.Push(data.AsSpan(offset));
        return recorder.Events;
    }

    private static List<string> ParseWhole(byte[] data) => ParseInChunks(data, [data.Length]);

    [Test]
    public void Fixture_parses_to_the_expected_events()
    {
        var events = ParseWhole(Fixture("prosody-session.xml"));
        Assert.That(events, Has.Count.EqualTo(7));
        Assert.Multiple(() =>
        {
            Assert.That(events[0], Does.StartWith("start <stream ").And.Contain("http://etherx.jabber.org/streams"));
            Assert.That(events[1], Does.Contain("features"));
            Assert.That(events[^1], Is.EqualTo("end"));
        });
    }

    [Test]
    public void Stanza_content_and_namespaces_are_resolved()
    {
        var recorder = new Recorder();
        new StreamParser(recorder).Push(Fixture("prosody-session.xml"));
        var message = recorder.Elements[1];
        Assert.Multiple(() =>
        {
            Assert.That(recorder.Header!.Attribute("from")!.Value, Is.EqualTo("clever.test"));
            Assert.That(recorder.Header!.Attribute(XNamespace.Xml + "lang")!.Value, Is.EqualTo("en"));
            Assert.That(message.Name, Is.EqualTo(XName.Get("message", "jabber:client")));
            Assert.That(message.Element(XName.Get("body", "jabber:client"))!.Value,
                Is.EqualTo("résumé 日本語 🎉 <tag> & \"q\" 'a' 😀 é"));
            Assert.That(message.Element(XName.Get("payload", "urn:clevercloud:protocol:1"))!.Value, Does.Contain("\"op\":\"host.info\""));
            var presence = recorder.Elements[2];
            Assert.That(presence.Attribute("id")!.Value, Is.EqualTo("p'1"));
            var item = presence.Descendants(XName.Get("item", "http://jabber.org/protocol/muc#user")).Single();
            Assert.That(item.Attribute("jid")!.Value, Is.EqualTo("hm2@clever.test/agent"));
            var custom = recorder.Elements[4].Element(XName.Get("data", "urn:example:custom"))!;
            Assert.That(custom.Attribute(XName.Get("kind", "urn:example:custom"))!.Value, Is.EqualTo("x"));
            Assert.That(custom.Value, Is.EqualTo("<not a tag> & raw after"));
            Assert.That(recorder.Elements[4].Element(XName.Get("empty", "jabber:client")), Is.Not.Null);
        });
    }

    [Test]
    public void Split_at_every_byte_boundary_gives_the_same_events()
    {
        var data = Fixture("prosody-session.xml");
        var expected = ParseWhole(data);
        for (var split = 1; split < data.Length; split++)
            Assert.That(ParseInChunks(data, [split, data.Length]), Is.EqualTo(expected), $"split at byte {split}");
    }

    [Test]
    public void Byte_by_byte_and_random_chunks_give_the_same_events()
    {
        var data = Fixture("prosody-session.xml");
        var expected = ParseWhole(data);
        Assert.That(ParseInChunks(data, Enumerable.Repeat(1, data.Length)), Is.EqualTo(expected));
        var random = new Random(20261204);
        for (var run = 0; run < 50; run++)
            Assert.That(ParseInChunks(data, Enumerable.Range(0, data.Length).Select(_ => random.Next(1, 40))), Is.EqualTo(expected));
    }

    [Test]
    public void Elements_round_trip_through_serialization()
    {
        var recorder = new Recorder();
        new StreamParser(recorder).Push(Fixture("prosody-session.xml"));
        foreach (var element in recorder.Elements)
        {
            var again = new Recorder();
            var parser = new StreamParser(again);
            parser.Push(Encoding.UTF8.GetBytes("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"));
            parser.Push(Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting)));
            Assert.That(XNode.DeepEquals(again.Elements.Single(), element), Is.True, element.ToString());
        }
    }

    [Test]
    public void Reset_starts_a_new_stream_after_proceed()
    {
        var recorder = new Recorder();
        StreamParser? parser = null;
        var handler = new ResettingHandler(recorder, () => parser!.Reset());
        parser = new StreamParser(handler);
        parser.Push(Encoding.UTF8.GetBytes("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
        parser.Push(Encoding.UTF8.GetBytes("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='2'><message/>"));
        Assert.That(recorder.Events.Count(e => e.StartsWith("start", StringComparison.Ordinal)), Is.EqualTo(2));
        Assert.That(recorder.Elements.Last().Name.LocalName, Is.EqualTo("message"));
    }

    private sealed class ResettingHandler(Recorder inner, Action reset) : IStreamParserHandler
    {
        public void OnStreamStart(XElement header) => inner.OnStreamStart(header);
        public void OnElement(XElement element)
        {
            inner.OnElement(element);
            if (element.Name.LocalName == "proceed")
                reset();
        }
        public void OnStreamEnd() => inner.OnStreamEnd();
    }

    private const string Header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

    [TestCase("<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", XmlStreamErrorReason.ForbiddenConstruct)]
    [TestCase(Header + "<!ENTITY lol 'lol'>", XmlStreamErrorReason.ForbiddenConstruct)]
    [TestCase(Header + "<message><!-- hi --></message>", XmlStreamErrorReason.ForbiddenConstruct)]
    [TestCase(Header + "<?php echo 1 ?>", XmlStreamErrorReason.ForbiddenConstruct)]
    [TestCase(Header + "<message><body>&lol;</body></message>", XmlStreamErrorReason.UnknownEntity)]
    [TestCase(Header + "<message><body>&xxe;</body></message>", XmlStreamErrorReason.UnknownEntity)]
    [TestCase(Header + "<message a='&ent;'/>", XmlStreamErrorReason.UnknownEntity)]
    [TestCase(Header + "<message><body>&#0;</body></message>", XmlStreamErrorReason.InvalidCharacter)]
    [TestCase(Header + "<message><body>&#xD800;</body></message>", XmlStreamErrorReason.InvalidCharacter)]
    [TestCase(Header + "<message><body>\u0001</body></message>", XmlStreamErrorReason.InvalidCharacter)]
    [TestCase(Header + "<message></presence>", XmlStreamErrorReason.MismatchedTag)]
    [TestCase(Header + "<message a='1' a='2'/>", XmlStreamErrorReason.DuplicateAttribute)]
    [TestCase(Header + "<x:message/>", XmlStreamErrorReason.UnboundPrefix)]
    [TestCase(Header + "<message a=1/>", XmlStreamErrorReason.Syntax)]
    [TestCase(Header + "<message a='<'/>", XmlStreamErrorReason.Syntax)]
    [TestCase(Header + "text between stanzas", XmlStreamErrorReason.Syntax)]
    [TestCase(Header + "</stream:stream><message/>", XmlStreamErrorReason.Syntax)]
    [TestCase("<message/>", XmlStreamErrorReason.Syntax)]
    public void Forbidden_or_malformed_input_is_refused_with_its_reason(string xml, XmlStreamErrorReason reason)
    {
        var parser = new StreamParser(new Recorder());
        var ex = Assert.Throws<XmlStreamException>(() => parser.Push(Encoding.UTF8.GetBytes(xml)));
        Assert.That(ex!.Reason, Is.EqualTo(reason), ex.Message);
    }

    [Test]
    public void Billion_laughs_never_expands()
    {
        var bomb = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>]><stream:stream>";
        var parser = new StreamParser(new Recorder());
        var ex = Assert.Throws<XmlStreamException>(() => parser.Push(Encoding.UTF8.GetBytes(bomb)));
        Assert.That(ex!.Reason, Is.EqualTo(XmlStreamErrorReason.ForbiddenConstruct));
    }

    [Test]
    public void Invalid_utf8_is_refused()
    {
        var parser = new StreamParser(new Recorder());
        parser.Push(Encoding.UTF8.GetBytes(Header + "<message><body>"));
        var ex = Assert.Throws<XmlStreamException>(() => parser.Push([0xC3, 0x28, 0x3C]));
        Assert.That(ex!.Reason, Is.EqualTo(XmlStreamErrorReason.InvalidUtf8));
    }

    [Test]
    public void Oversized_stanza_is_refused_before_it_completes()
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder, options: new StreamParserOptions { MaxStanzaBytes = 1024 });
        parser.Push(Encoding.UTF8.GetBytes(Header + "<message><body>"));
        var ex = Assert.Throws<XmlStreamException>(() =>
        {
            for (var i = 0; i < 100; i++)
                parser.Push(Encoding.UTF8.GetBytes(new string('a', 100)));
        });
        Assert.That(ex!.Reason, Is.EqualTo(XmlStreamErrorReason.StanzaTooLarge));
        Assert.That(recorder.Elements, Is.Empty);
    }

    [Test]
    public void Default_limit_is_one_mebibyte()
    {
        var parser = new StreamParser(new Recorder());
        parser.Push(Encoding.UTF8.GetBytes(Header));
        var justUnder = Encoding.UTF8.GetBytes("<message><body>" + new string('é', 500_000) + "</body></message>");
        parser.Push(justUnder);
        var over = Encoding.UTF8.GetBytes("<message><body>" + new string('é', 530_000) + "</body></message>");
        var ex = Assert.Throws<XmlStreamException>(() => parser.Push(over));
        Assert.That(ex!.Reason, Is.EqualTo(XmlStreamErrorReason.StanzaTooLarge));
    }

    [Test]
    public void Unterminated_tag_cannot_grow_without_bound()
    {
        var parser = new StreamParser(new Recorder(), options: new StreamParserOptions { MaxStanzaBytes = 1024 });
        parser.Push(Encoding.UTF8.GetBytes(Header + "<message a='"));
        var ex = Assert.Throws<XmlStreamException>(() =>
        {
            for (var i = 0; i < 100; i++)
                parser.Push(Encoding.UTF8.GetBytes(new string('a', 100)));
        });
        Assert.That(ex!.Reason, Is.EqualTo(XmlStreamErrorReason.StanzaTooLarge));
    }

    [Test]
    public void Too_deep_nesting_is_refused()
    {
        var parser = new StreamParser(new Recorder(), options: new StreamParserOptions { MaxDepth = 8 });
        var ex = Assert.Throws<XmlStreamException>(() => parser.Push(Encoding.UTF8.GetBytes(Header + string.Concat(Enumerable.Repeat("<a>", 20)))));
        Assert.That(ex!.Reason, Is.EqualTo(XmlStreamErrorReason.TooDeep));
    }

    [Test]
    public void Parser_stays_faulted_until_reset()
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder);
        Assert.Throws<XmlStreamException>(() => parser.Push(Encoding.UTF8.GetBytes(Header + "<!-- x -->")));
        Assert.Throws<XmlStreamException>(() => parser.Push(Encoding.UTF8.GetBytes("<message/>")));
        parser.Reset();
        parser.Push(Encoding.UTF8.GetBytes(Header + "<message/>"));
        Assert.That(recorder.Elements, Has.Count.EqualTo(1));
    }

    [Test]
    public void Attribute_whitespace_is_normalized_and_char_refs_kept()
    {
        var recorder = new Recorder();
        new StreamParser(recorder).Push(Encoding.UTF8.GetBytes(Header + "<message a='x\ty' b='x&#9;y'/>"));
        Assert.That(recorder.Elements[0].Attribute("a")!.Value, Is.EqualTo("x y"));
        Assert.That(recorder.Elements[0].Attribute("b")!.Value, Is.EqualTo("x\ty"));
    }

    [Test]
    public void Element_factory_decides_the_instance_type()
    {
        var recorder = new Recorder();
        new StreamParser(recorder, new TaggingFactory()).Push(Encoding.UTF8.GetBytes(Header + "<message><body>x</body></message>"));
        Assert.That(recorder.Elements[0], Is.InstanceOf<TaggedElement>());
        Assert.That(recorder.Elements[0].Elements().Single(), Is.Not.InstanceOf<TaggedElement>());
    }

    private sealed class TaggedElement(XName name) : XElement(name);

    private sealed class TaggingFactory : IElementFactory
    {
        public XElement Create(XName name) => name.LocalName == "message" ? new TaggedElement(name) : new XElement(name);
    }
}
