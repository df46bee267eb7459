using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Disco;

/// <summary>A &lt;feature var='…'/&gt; of a disco#info result.</summary>
public sealed class DiscoFeature : XElement, IXmppElement
{
    public DiscoFeature()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.DiscoInfo + "feature";

    public string? Var
    {
        get => (string?)Attribute("var");
        set => SetAttributeValue("var", value);
    }
}
