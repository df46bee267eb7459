using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Forms;

/// <summary>An &lt;option/&gt; of a list field (XEP-0004 §3.2).</summary>
public sealed class FormOption : XElement, IXmppElement
{
    private static readonly XName ValueName = XmppNamespaces.DataForms + "value";

    public FormOption()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.DataForms + "option";

    public string? Label
    {
        get => (string?)Attribute("label");
        set => SetAttributeValue("label", value);
    }

    public string? OptionValue
    {
        get => (string?)Element(ValueName);
        set => this.SetChildText(ValueName, value);
    }
}
