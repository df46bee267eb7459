using System.Text;
using System.Xml.Linq;
using CleverCloud.Protocol;

namespace CleverCloud.Agent.Messaging;

/// <summary>
/// Carries protocol JSON as the text of <c>&lt;payload xmlns='urn:clevercloud:protocol:1'/&gt;</c>, unsigned and
/// unencrypted. Only for benchmarks' baseline and development clusters; the agents log a warning when it is used.
/// </summary>
public sealed class PlaintextProtector : IMessageProtector
{
    public static readonly XName PayloadName = XName.Get("payload", "urn:clevercloud:protocol:1");

    public bool IsSecured => false;

    public bool CarriesPayload(XElement message) => message.Element(PayloadName) is not null;

    public ValueTask<IReadOnlyList<XElement>> ProtectAsync(OutboundEnvelope envelope, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        IReadOnlyList<XElement> children = [new XElement(PayloadName, Encoding.UTF8.GetString(payload.Span))];
        return ValueTask.FromResult(children);
    }

    public ValueTask<UnprotectResult> UnprotectAsync(XElement message, string? senderIdentity, string senderAddress, string recipient, CancellationToken cancellationToken)
    {
        var element = message.Element(PayloadName);
        if (element is null)
            return ValueTask.FromResult(UnprotectResult.Reject(ErrorCode.MalformedMessage, "no protocol payload"));
        return ValueTask.FromResult(UnprotectResult.Accept(Encoding.UTF8.GetBytes(element.Value), senderIdentity, role: null));
    }
}
