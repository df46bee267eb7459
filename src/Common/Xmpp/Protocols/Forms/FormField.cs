using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Forms;

/// <summary>XEP-0004 §3.3 field types.</summary>
public enum FormFieldType
{
    Boolean,
    Fixed,
    Hidden,
    JidMulti,
    JidSingle,
    ListMulti,
    ListSingle,
    TextMulti,
    TextPrivate,
    TextSingle,
}

/// <summary>One &lt;field/&gt; of a data form (XEP-0004 §3.2).</summary>
public sealed class FormField : XElement, IXmppElement
{
    private static readonly XmlEnumMap<FormFieldType> TypeNames = new(
        (FormFieldType.Boolean, "boolean"),
        (FormFieldType.Fixed, "fixed"),
        (FormFieldType.Hidden, "hidden"),
        (FormFieldType.JidMulti, "jid-multi"),
        (FormFieldType.JidSingle, "jid-single"),
        (FormFieldType.ListMulti, "list-multi"),
        (FormFieldType.ListSingle, "list-single"),
        (FormFieldType.TextMulti, "text-multi"),
        (FormFieldType.TextPrivate, "text-private"),
        (FormFieldType.TextSingle, "text-single"));

    private static readonly XName ValueName = XmppNamespaces.DataForms + "value";
    private static readonly XName RequiredName = XmppNamespaces.DataForms + "required";
    private static readonly XName DescriptionName = XmppNamespaces.DataForms + "desc";

    public FormField()
        : base(ElementName)
    {
    }

    public FormField(string variable, FormFieldType type, params IEnumerable<string> values)
        : this()
    {
        Var = variable;
        Type = type;
        Values = values.ToList();
    }

    public static XName ElementName { get; } = XmppNamespaces.DataForms + "field";

    public string? Var
    {
        get => (string?)Attribute("var");
        set => SetAttributeValue("var", value);
    }

    public string? Label
    {
        get => (string?)Attribute("label");
        set => SetAttributeValue("label", value);
    }

    /// <summary>The field type; absent means text-single (XEP-0004 §3.3).</summary>
    public FormFieldType Type
    {
        get
        {
            var name = (string?)Attribute("type");
            return name is null ? FormFieldType.TextSingle : TypeNames.Parse(name, "field type", $"field var='{Var}'");
        }

        set => SetAttributeValue("type", TypeNames.ToName(value));
    }

    public bool IsRequired
    {
        get => Element(RequiredName) is not null;
        set => this.SetFlagChild(RequiredName, value);
    }

    public string? Description
    {
        get => (string?)Element(DescriptionName);
        set => this.SetChildText(DescriptionName, value);
    }

    /// <summary>The field's values in order; setting replaces them all.</summary>
    public IReadOnlyList<string> Values
    {
        get => Elements(ValueName).Select(static value => value.Value).ToList();
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Elements(ValueName).Remove();

            // Values go after label-like children (desc, required) but before options, as XEP-0004's schema orders them.
            var firstOption = Element(FormOption.ElementName);
            foreach (var item in value)
            {
                var element = new XElement(ValueName, item);
                if (firstOption is null)
                {
                    Add(element);
                }
                else
                {
                    firstOption.AddBeforeSelf(element);
                }
            }
        }
    }

    /// <summary>The first value; null when the field has none. Setting replaces all values by this one.</summary>
    public string? SingleValue
    {
        get => Values.Count == 0 ? null : Values[0];
        set => Values = value is null ? [] : [value];
    }

    /// <summary>A boolean field's value: "1"/"true" or "0"/"false" (XEP-0004 §3.3); null when it has none.</summary>
    /// <exception cref="MalformedElementException">The value is none of the four.</exception>
    public bool? BooleanValue
    {
        get => SingleValue?.Trim() switch
        {
            null => null,
            "1" or "true" => true,
            "0" or "false" => false,
            var other => throw new MalformedElementException(
                $"boolean field '{Var}' holds '{other}', which is none of 1, 0, true, false", ElementName.ToString()),
        };

        set => SingleValue = value is null ? null : value.Value ? "1" : "0";
    }

    /// <summary>The options of a list field.</summary>
    public IReadOnlyList<FormOption> Options => this.GetExtensions<FormOption>();

    public void AddOption(string value, string? label = null) => Add(new FormOption { OptionValue = value, Label = label });

    /// <summary>True when the field lists options and <paramref name="value"/> is not one of them.</summary>
    public bool RejectsOption(string value)
    {
        var options = Options;
        return options.Count > 0 && !options.Any(option => string.Equals(option.OptionValue, value, StringComparison.Ordinal));
    }
}
