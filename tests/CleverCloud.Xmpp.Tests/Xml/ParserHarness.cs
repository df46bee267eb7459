using System.Text;
using System.Xml.Linq;
using CleverCloud.Xmpp.Xml;

namespace CleverCloud.Xmpp.Tests.Xml;

/// <summary>Records the parser's callbacks as comparable lines; optionally restarts the stream like a session does.</summary>
internal sealed class Recorder : IStreamParserHandler
{
    private const string TlsNamespace = "urn:ietf:params:xml:ns:xmpp-tls";
    private const string SaslNamespace = "urn:ietf:params:xml:ns:xmpp-sasl";

    public List<string> Events { get; } = [];

    public List<XElement> Elements { get; } = [];

    public List<XElement> Headers { get; } = [];

    public int StreamEnds { get; private set; }

    /// <summary>When set, the recorder resets this parser from inside the callback for &lt;proceed/&gt; and &lt;success/&gt;.</summary>
    public StreamParser? RestartOnNegotiation { get; set; }

    public void OnStreamStart(XElement header)
    {
        Headers.Add(header);
        // The header's own form, declarations included: the wire form would redeclare what it uses instead.
        Events.Add("start " + header.ToString(SaveOptions.DisableFormatting));
    }

    public void OnElement(XElement element)
    {
        Elements.Add(element);
        Events.Add("element " + Describe(element));
        if (RestartOnNegotiation is { } parser
            && (element.Name == XName.Get("proceed", TlsNamespace) || element.Name == XName.Get("success", SaslNamespace)))
        {
            parser.Reset();
            Events.Add("reset");
        }
    }

    public void OnStreamEnd()
    {
        StreamEnds++;
        Events.Add("end");
    }

    // One line per event: the wire form, with line breaks and tabs made visible.
    private static string Describe(XElement element) =>
        Encoding.UTF8.GetString(XmlWire.ToUtf8(element)).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}

internal static class ParserHarness
{
    public const string Header = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='clever.test' version='1.0'>";

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Fixture(string name) =>
        File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name));

    public static string FixtureText(string name) =>
        File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name), Encoding.UTF8);

    /// <summary>Feeds <paramref name="data"/> in pieces of the given sizes (the rest in one last piece).</summary>
    public static Recorder Parse(byte[] data, IEnumerable<int> chunkSizes, bool restartOnNegotiation = false, StreamParserOptions? options = null)
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder, options: options);
        if (restartOnNegotiation)
            recorder.RestartOnNegotiation = parser;
        var offset = 0;
        foreach (var size in chunkSizes)
        {
            if (offset >= data.Length)
                break;
            var take = Math.Min(size, data.Length - offset);
            parser.Push(data.AsSpan(offset, take));
            offset += take;
        }
        if (offset < data.Length)
            parser.Push(data.AsSpan(offset));
        return recorder;
    }

    public static Recorder ParseWhole(byte[] data, bool restartOnNegotiation = false) =>
        Parse(data, [data.Length], restartOnNegotiation);

    /// <summary>The parser with a stream already open, and what it recorded.</summary>
    public static (StreamParser Parser, Recorder Recorder) OpenStream(StreamParserOptions? options = null)
    {
        var recorder = new Recorder();
        var parser = new StreamParser(recorder, options: options);
        parser.Push(Utf8(Header));
        return (parser, recorder);
    }
}
