using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Forms;

namespace CleverCloud.Xmpp.Protocols.Register;

/// <summary>
/// XEP-0077 in-band registration &lt;query xmlns='jabber:iq:register'/&gt;: the server's registration form (empty
/// fields name what it needs), the client's submission, &lt;registered/&gt; for an existing account, &lt;remove/&gt;
/// to cancel one, and the data-form variant (XEP-0077 §3.4).
/// </summary>
public sealed class RegisterQuery : XElement, IXmppElement
{
    private static readonly string[] ClassicFieldNames =
        ["username", "nick", "password", "name", "first", "last", "email", "address", "city", "state", "zip", "phone", "url", "date"];

    public RegisterQuery()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Register + "query";

    /// <summary>An IQ get asking the server for its registration form (XEP-0077 §3.1).</summary>
    public static Iq CreateFormRequest(Jid? to = null)
    {
        var iq = new Iq { Type = IqType.Get, Id = Stanza.NewId(), To = to };
        iq.Add(new RegisterQuery());
        return iq;
    }

    /// <summary>An IQ set registering <paramref name="username"/> with <paramref name="password"/>.</summary>
    public static Iq CreateRegistration(string username, string password, Jid? to = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        var iq = new Iq { Type = IqType.Set, Id = Stanza.NewId(), To = to };
        iq.Add(new RegisterQuery { Username = username, Password = password });
        return iq;
    }

    /// <summary>An IQ set cancelling the authenticated account (XEP-0077 §3.2).</summary>
    public static Iq CreateRemoval(Jid? to = null)
    {
        var iq = new Iq { Type = IqType.Set, Id = Stanza.NewId(), To = to };
        iq.Add(new RegisterQuery { IsRemove = true });
        return iq;
    }

    public string? Instructions
    {
        get => (string?)Element(XmppNamespaces.Register + "instructions");
        set => this.SetChildText(XmppNamespaces.Register + "instructions", value);
    }

    public string? Username
    {
        get => ReadField("username");
        set => this.SetChildText(XmppNamespaces.Register + "username", value);
    }

    public string? Password
    {
        get => ReadField("password");
        set => this.SetChildText(XmppNamespaces.Register + "password", value);
    }

    public string? Email
    {
        get => ReadField("email");
        set => this.SetChildText(XmppNamespaces.Register + "email", value);
    }

    /// <summary>The requesting entity already has an account (XEP-0077 §3.2.1).</summary>
    public bool IsRegistered
    {
        get => Element(XmppNamespaces.Register + "registered") is not null;
        set => this.SetFlagChild(XmppNamespaces.Register + "registered", value);
    }

    public bool IsRemove
    {
        get => Element(XmppNamespaces.Register + "remove") is not null;
        set => this.SetFlagChild(XmppNamespaces.Register + "remove", value);
    }

    /// <summary>The classic fields the server's form asks for (their names, in order).</summary>
    public IReadOnlyList<string> RequestedFields =>
        Elements().Where(static child => child.Name.Namespace == XmppNamespaces.Register && ClassicFieldNames.Contains(child.Name.LocalName))
            .Select(static child => child.Name.LocalName).ToList();

    /// <summary>The data form, when the server uses the extensible variant (XEP-0077 §3.4).</summary>
    public DataForm? Form
    {
        get => this.GetExtension<DataForm>();
        set => this.SetChild(DataForm.ElementName, value);
    }

    private string? ReadField(string name)
    {
        var element = Element(XmppNamespaces.Register + name);
        return element is null ? null : element.Value;
    }
}
