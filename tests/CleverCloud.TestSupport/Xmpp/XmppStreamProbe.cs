using System.Net.Sockets;
using System.Text;

namespace CleverCloud.TestSupport.Xmpp;

/// <summary>
/// Opens a raw client stream (RFC 6120 §4.2) and returns what the server sent up to and including its stream features,
/// without any XMPP library: proof that a port is served by an XMPP server for the expected domain.
/// </summary>
public static class XmppStreamProbe
{
    public static async Task<string> ReadStreamFeaturesAsync(
        string host, int port, string domain, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var client = new TcpClient();
        var received = new StringBuilder();
        try
        {
            await client.ConnectAsync(host, port, timeoutSource.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var header = "<?xml version='1.0'?><stream:stream to='" + domain
                + "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
            await stream.WriteAsync(Encoding.UTF8.GetBytes(header), timeoutSource.Token).ConfigureAwait(false);
            var buffer = new byte[4096];
            var decoder = Encoding.UTF8.GetDecoder();
            var characters = new char[4096];
            while (!HasCompleteFeatures(received))
            {
                var read = await stream.ReadAsync(buffer, timeoutSource.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"{host}:{port} closed the stream before sending its features; got: {received}");
                }
                var count = decoder.GetChars(buffer, 0, read, characters, 0);
                received.Append(characters, 0, count);
            }
            return received.ToString();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{host}:{port} sent no complete stream features within {timeout}; got: {received}");
        }
    }

    private static bool HasCompleteFeatures(StringBuilder received)
    {
        var text = received.ToString();
        return text.Contains("</stream:features>", StringComparison.Ordinal)
            || text.Contains("<stream:features/>", StringComparison.Ordinal);
    }
}
