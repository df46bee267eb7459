using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Disco;

/// <summary>An &lt;identity category='…' type='…' name='…'/&gt; of a disco#info result.</summary>
public sealed class DiscoIdentity : XElement, IXmppElement
{
    public DiscoIdentity()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.DiscoInfo + "identity";

    public string? Category
    {
        get => (string?)Attribute("category");
        set => SetAttributeValue("category", value);
    }

    public string? Type
    {
        get => (string?)Attribute("type");
        set => SetAttributeValue("type", value);
    }

    /// <summary>The 'name' attribute (named so to stay clear of <see cref="XElement.Name"/>).</summary>
    public string? IdentityName
    {
        get => (string?)Attribute("name");
        set => SetAttributeValue("name", value);
    }
}
