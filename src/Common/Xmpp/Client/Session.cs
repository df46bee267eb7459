using System.Text;
using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Transport;
using CleverCloud.Xmpp.Xml;

namespace CleverCloud.Xmpp.Client;

/// <summary>
/// One connection's stream: the transport, its parser, the queue of completed elements and the serialized writer.
/// Only one reader (negotiation, then the read loop) pulls elements at a time.
/// </summary>
internal sealed class Session : IStreamParserHandler, IAsyncDisposable
{
    private readonly StreamParser _parser;
    private readonly Queue<XElement> _completed = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _readBuffer = new byte[16 * 1024];
    private bool _streamEnded;
    private int _disposed;

    public Session(TcpTransport transport, IElementFactory factory, StreamParserOptions parserOptions)
    {
        Transport = transport;
        _parser = new StreamParser(this, factory, parserOptions);
    }

    public TcpTransport Transport { get; }

    public XElement? StreamHeader { get; private set; }

    /// <summary>After STARTTLS or SASL success the stream starts over (RFC 6120 §5.4.3.3, §6.4.6).</summary>
    public void RestartStream()
    {
        _parser.Reset();
        _completed.Clear();
        StreamHeader = null;
    }

    public async Task<XElement> NextElementAsync(CancellationToken cancellationToken)
    {
        while (_completed.Count == 0)
        {
            if (_streamEnded)
                throw new XmppException("the server closed the stream", isTransient: true);
            int read;
            try
            {
                read = await Transport.Stream.ReadAsync(_readBuffer, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new XmppException("connection lost: " + ex.Message, isTransient: true, ex);
            }
            catch (ObjectDisposedException ex)
            {
                throw new XmppException("connection closed", isTransient: true, ex);
            }
            if (read == 0)
                throw new XmppException("the server closed the connection", isTransient: true);
            try
            {
                _parser.Push(_readBuffer.AsSpan(0, read));
            }
            catch (XmlStreamException ex)
            {
                await SendStreamErrorAsync(ex).ConfigureAwait(false);
                throw new XmppException($"the server sent bad XML ({ex.Reason}): {ex.Message}", isTransient: true, ex);
            }
        }
        return _completed.Dequeue();
    }

    /// <summary>RFC 6120 §4.9.1.1: a stream error ends the stream; the condition tells the peer why.</summary>
    private async Task SendStreamErrorAsync(XmlStreamException error)
    {
        var condition = error.Reason switch
        {
            XmlStreamErrorReason.ForbiddenConstruct or XmlStreamErrorReason.UnknownEntity => StreamErrorCondition.RestrictedXml,
            XmlStreamErrorReason.StanzaTooLarge or XmlStreamErrorReason.TooDeep => StreamErrorCondition.PolicyViolation,
            XmlStreamErrorReason.InvalidUtf8 => StreamErrorCondition.UnsupportedEncoding,
            XmlStreamErrorReason.UnboundPrefix => StreamErrorCondition.BadNamespacePrefix,
            _ => StreamErrorCondition.NotWellFormed,
        };
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            // Serialized with a default-namespace declaration: the same {streams}error element as stream:error.
            var text = new StreamError(condition).ToString(SaveOptions.DisableFormatting | SaveOptions.OmitDuplicateNamespaces);
            await WriteRawAsync(Encoding.UTF8.GetBytes(text + "</stream:stream>"), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer may already be gone; the stream ends either way.
        }
    }

    public Task WriteAsync(XElement element, CancellationToken cancellationToken) =>
        WriteRawAsync(Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting | SaveOptions.OmitDuplicateNamespaces)), cancellationToken);

    public async Task WriteRawAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Transport.Stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await Transport.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new XmppException("connection lost while sending: " + ex.Message, isTransient: true, ex);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    void IStreamParserHandler.OnStreamStart(XElement header) => StreamHeader = header;

    void IStreamParserHandler.OnElement(XElement element) => _completed.Enqueue(element);

    void IStreamParserHandler.OnStreamEnd() => _streamEnded = true;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Transport.Abort();
        await Transport.DisposeAsync().ConfigureAwait(false);
    }
}
