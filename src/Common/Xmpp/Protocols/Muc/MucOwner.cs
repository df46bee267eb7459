using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Forms;

namespace CleverCloud.Xmpp.Protocols.Muc;

/// <summary>
/// &lt;query xmlns='http://jabber.org/protocol/muc#owner'/&gt;: the room configuration form and room destruction
/// (XEP-0045 §10).
/// </summary>
public sealed class MucOwner : XElement, IXmppElement
{
    public MucOwner()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.MucOwner + "query";

    /// <summary>The configuration form (type form from the room, submit or cancel from the owner).</summary>
    public DataForm? Form
    {
        get => this.GetExtension<DataForm>();
        set => this.SetChild(DataForm.ElementName, value);
    }

    public MucDestroy? Destroy
    {
        get => this.GetExtension<MucDestroy>();
        set => this.SetChild(MucDestroy.ElementName, value);
    }

    /// <summary>Asks the room for its configuration form (XEP-0045 §10.1.3, §10.2).</summary>
    public static Iq CreateConfigurationRequest(Jid room) => Request(room, IqType.Get, new MucOwner());

    /// <summary>Submits a filled configuration form, which also unlocks a newly created room.</summary>
    public static Iq CreateConfigurationSubmit(Jid room, DataForm form)
    {
        ArgumentNullException.ThrowIfNull(form);
        return Request(room, IqType.Set, new MucOwner { Form = form });
    }

    /// <summary>Accepts the default configuration with an empty submit form (XEP-0045 §10.1.2).</summary>
    public static Iq CreateInstantRoom(Jid room) =>
        Request(room, IqType.Set, new MucOwner { Form = new DataForm(DataFormType.Submit) });

    /// <summary>Destroys the room (XEP-0045 §10.9).</summary>
    public static Iq CreateDestroy(Jid room, Jid? alternateVenue = null, string? reason = null) =>
        Request(room, IqType.Set, new MucOwner { Destroy = new MucDestroy { AlternateVenue = alternateVenue, Reason = reason } });

    private static Iq Request(Jid room, IqType type, MucOwner query)
    {
        ArgumentNullException.ThrowIfNull(room);
        var iq = new Iq { Type = type, Id = Stanza.NewId(), To = room.Bare };
        iq.Add(query);
        return iq;
    }
}
