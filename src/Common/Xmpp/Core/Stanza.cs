using System.Security.Cryptography;
using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>
/// The attributes every stanza shares (RFC 6120 §8.1). Subclasses work in whichever content namespace their element
/// carries (jabber:client normally, jabber:server when registered for it), so children are named relative to it.
/// </summary>
public abstract class Stanza : XElement
{
    protected Stanza(XName name)
        : base(name)
    {
    }

    public Jid? To
    {
        get => this.GetJidAttribute("to");
        set => SetAttributeValue("to", value?.ToString());
    }

    public Jid? From
    {
        get => this.GetJidAttribute("from");
        set => SetAttributeValue("from", value?.ToString());
    }

    public string? Id
    {
        get => (string?)Attribute("id");
        set => SetAttributeValue("id", value);
    }

    /// <summary>The raw 'type' attribute; each stanza kind exposes it as its own enum under <c>Type</c>.</summary>
    public string? TypeName
    {
        get => (string?)Attribute("type");
        set => SetAttributeValue("type", value);
    }

    public string? Lang
    {
        get => (string?)Attribute(XmppNamespaces.XmlLang);
        set => SetAttributeValue(XmppNamespaces.XmlLang, value);
    }

    public bool IsError => string.Equals(TypeName, "error", StringComparison.Ordinal);

    /// <summary>The &lt;error/&gt; child of an error stanza; null when there is none.</summary>
    public StanzaError? Error
    {
        get => this.GetChild<StanzaError>(ContentName("error"));
        set
        {
            if (value is not null && value.Name != ContentName("error"))
            {
                value.Name = ContentName("error");
            }

            this.SetChild(ContentName("error"), value);
        }
    }

    /// <summary>
    /// The exception describing this error stanza. An error stanza without a usable &lt;error/&gt; child is itself a
    /// protocol violation and gives a <see cref="MalformedElementException"/>.
    /// </summary>
    public StanzaErrorException ToException()
    {
        if (!IsError)
        {
            throw new InvalidOperationException($"the <{Name.LocalName}/> stanza is of type '{TypeName}', not 'error'");
        }

        var error = Error ?? throw new MalformedElementException(
            $"<{Name.LocalName} type='error'> (id '{Id}') has no <error/> child", Name.ToString());
        return new StanzaErrorException(error.Type, error.Condition, error.Text, this);
    }

    /// <summary>A fresh, unpredictable stanza id (16 hex digits of randomness).</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>A child name in this stanza's content namespace (jabber:client or jabber:server).</summary>
    protected XName ContentName(string localName) => Name.Namespace + localName;

    protected string? GetChildText(string localName) => (string?)Element(ContentName(localName));

    protected void SetChildText(string localName, string? value) => this.SetChildText(ContentName(localName), value);

    /// <summary>Copies id and swaps the addresses, as a reply to this stanza needs (RFC 6120 §8.2.3).</summary>
    protected void AddressReply(Stanza reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        reply.Id = Id;
        reply.To = From;
        reply.From = To;
    }
}
