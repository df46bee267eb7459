using System.Xml.Linq;

namespace CleverCloud.Xmpp.Xml;

/// <summary>
/// Receives what the <see cref="StreamParser"/> completes, synchronously and in order, from inside
/// <see cref="StreamParser.Push"/>. A handler may call <see cref="StreamParser.Reset"/> from a callback (stream
/// restart); the rest of that push is then parsed as the beginning of the new stream.
/// </summary>
public interface IStreamParserHandler
{
    /// <summary>
    /// The <c>&lt;stream:stream …&gt;</c> open tag as an element named <c>{http://etherx.jabber.org/streams}stream</c>
    /// with its attributes, including its namespace declarations (so the content namespace can be checked), and no
    /// children.
    /// </summary>
    void OnStreamStart(XElement header);

    /// <summary>A complete first-level child of the stream (stanza, features, stream error, SASL/TLS element).</summary>
    void OnElement(XElement element);

    /// <summary>The closing <c>&lt;/stream:stream&gt;</c>.</summary>
    void OnStreamEnd();
}
