using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Protocols.Forms;

/// <summary>XEP-0004 §3.1 form types.</summary>
public enum DataFormType
{
    Form,
    Submit,
    Cancel,
    Result,
}

/// <summary>A data form &lt;x xmlns='jabber:x:data'/&gt; (XEP-0004).</summary>
public sealed class DataForm : XElement, IXmppElement
{
    /// <summary>The hidden field naming the form's registered type (XEP-0068).</summary>
    public const string FormTypeField = "FORM_TYPE";

    private static readonly XmlEnumMap<DataFormType> TypeNames = new(
        (DataFormType.Form, "form"),
        (DataFormType.Submit, "submit"),
        (DataFormType.Cancel, "cancel"),
        (DataFormType.Result, "result"));

    private static readonly XName TitleName = XmppNamespaces.DataForms + "title";
    private static readonly XName InstructionsName = XmppNamespaces.DataForms + "instructions";

    public DataForm()
        : base(ElementName)
    {
    }

    public DataForm(DataFormType type)
        : this()
    {
        Type = type;
    }

    public static XName ElementName { get; } = XmppNamespaces.DataForms + "x";

    /// <summary>The form type, which XEP-0004 makes mandatory.</summary>
    public DataFormType Type
    {
        get
        {
            var name = (string?)Attribute("type") ?? throw new MalformedElementException(
                "a data form has no 'type' attribute, which XEP-0004 §3.1 requires", Name.ToString());
            return TypeNames.Parse(name, "type", Name.ToString());
        }

        set => SetAttributeValue("type", TypeNames.ToName(value));
    }

    public string? Title
    {
        get => (string?)Element(TitleName);
        set => this.SetChildText(TitleName, value);
    }

    public IReadOnlyList<string> Instructions => Elements(InstructionsName).Select(static line => line.Value).ToList();

    /// <summary>The value of the hidden FORM_TYPE field, such as "http://jabber.org/protocol/muc#roomconfig".</summary>
    public string? FormType => Field(FormTypeField)?.SingleValue;

    public IReadOnlyList<FormField> Fields => this.GetExtensions<FormField>();

    /// <summary>The field whose var is <paramref name="variable"/>; null when the form has none.</summary>
    public FormField? Field(string variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var element = Elements(FormField.ElementName)
            .FirstOrDefault(field => string.Equals((string?)field.Attribute("var"), variable, StringComparison.Ordinal));
        return element is null ? null : TypedElementExtensions.AsTyped<FormField>(element);
    }

    public bool HasField(string variable) => Field(variable) is not null;

    public string? GetValue(string variable) => Field(variable)?.SingleValue;

    public IReadOnlyList<string> GetValues(string variable) => Field(variable)?.Values ?? [];

    public bool? GetBoolean(string variable) => Field(variable)?.BooleanValue;

    /// <summary>Sets a single value, adding a field of <paramref name="typeIfNew"/> when the form lacks it.</summary>
    public FormField SetValue(string variable, string? value, FormFieldType typeIfNew = FormFieldType.TextSingle)
    {
        var field = FieldOrNew(variable, typeIfNew);
        field.SingleValue = value;
        return field;
    }

    public FormField SetValues(string variable, IEnumerable<string> values, FormFieldType typeIfNew = FormFieldType.ListMulti)
    {
        ArgumentNullException.ThrowIfNull(values);
        var field = FieldOrNew(variable, typeIfNew);
        field.Values = values.ToList();
        return field;
    }

    public FormField SetBoolean(string variable, bool value)
    {
        var field = FieldOrNew(variable, FormFieldType.Boolean);
        field.BooleanValue = value;
        return field;
    }

    public void AddField(FormField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        Add(field);
    }

    /// <summary>
    /// The answer to this form (XEP-0004 §3.1): a 'submit' form carrying every variable field with its current value,
    /// ready for the caller to change the values it cares about. Fixed fields, labels, descriptions and options stay out.
    /// </summary>
    public DataForm CreateSubmit()
    {
        var submit = new DataForm(DataFormType.Submit);
        foreach (var field in Fields)
        {
            if (field.Var is null || field.Type == FormFieldType.Fixed)
            {
                continue;
            }

            submit.Add(new FormField(field.Var, field.Type, field.Values));
        }

        return submit;
    }

    private FormField FieldOrNew(string variable, FormFieldType type)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var field = Field(variable);
        if (field is null)
        {
            field = new FormField { Var = variable, Type = type };
            Add(field);
        }

        return field;
    }
}
