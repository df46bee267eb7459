using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>RFC 6120 §8.2.3 IQ types.</summary>
public enum IqType
{
    Get,
    Set,
    Result,
    Error,
}

/// <summary>An &lt;iq/&gt; request or response (RFC 6120 §8.2.3).</summary>
public sealed class Iq : Stanza, IXmppElement
{
    private static readonly XmlEnumMap<IqType> TypeNames = new(
        (IqType.Get, "get"),
        (IqType.Set, "set"),
        (IqType.Result, "result"),
        (IqType.Error, "error"));

    public Iq()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Client + "iq";

    /// <summary>The IQ type, which RFC 6120 makes mandatory: a missing or unknown one is a protocol error.</summary>
    public IqType Type
    {
        get
        {
            var name = TypeName ?? throw new MalformedElementException(
                $"<iq> (id '{Id}') has no 'type' attribute, which RFC 6120 §8.2.3 requires", Name.ToString());
            return TypeNames.Parse(name, "type", Name.ToString());
        }

        set => TypeName = TypeNames.ToName(value);
    }

    public bool IsRequest => TypeName is "get" or "set";

    /// <summary>The request or result payload: the first child that is not the &lt;error/&gt;.</summary>
    public XElement? Payload
    {
        get => Elements().FirstOrDefault(child => child.Name != ContentName("error"));
        set
        {
            Elements().Where(child => child.Name != ContentName("error")).Remove();
            if (value is not null)
            {
                AddFirst(value);
            }
        }
    }

    /// <summary>The typed payload when it is a <typeparamref name="T"/>; null when absent.</summary>
    public T? GetPayload<T>()
        where T : XElement, IXmppElement, new() =>
        this.GetExtension<T>();

    /// <summary>The 'result' reply to this request, addressed back to its sender, with an optional payload.</summary>
    public Iq CreateResult(XElement? payload = null)
    {
        RequireRequest("result");
        var reply = new Iq { Name = Name, Type = IqType.Result };
        AddressReply(reply);
        if (payload is not null)
        {
            reply.Add(payload);
        }

        return reply;
    }

    /// <summary>The 'error' reply to this request, addressed back to its sender (RFC 6120 §8.3.1).</summary>
    public Iq CreateError(StanzaError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        RequireRequest("error");
        var reply = new Iq { Name = Name, Type = IqType.Error };
        AddressReply(reply);
        reply.Error = error;
        return reply;
    }

    private void RequireRequest(string replyType)
    {
        // RFC 6120 §8.2.3: replying to a result or error would start a loop between the two entities.
        if (!IsRequest)
        {
            throw new InvalidOperationException(
                $"an <iq type='{TypeName}'> is not a request: it cannot be answered with '{replyType}'");
        }
    }
}
