using System.Xml.Linq;

namespace CleverCloud.Xmpp.Core;

/// <summary>The XML namespaces of the XMPP core (RFC 6120) and of the extensions this library models.</summary>
public static class XmppNamespaces
{
    public static readonly XNamespace Client = "jabber:client";
    public static readonly XNamespace Server = "jabber:server";
    public static readonly XNamespace Streams = "http://etherx.jabber.org/streams";
    public static readonly XNamespace StreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
    public static readonly XNamespace Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public static readonly XNamespace Tls = "urn:ietf:params:xml:ns:xmpp-tls";
    public static readonly XNamespace Sasl = "urn:ietf:params:xml:ns:xmpp-sasl";
    public static readonly XNamespace Bind = "urn:ietf:params:xml:ns:xmpp-bind";
    public static readonly XNamespace Session = "urn:ietf:params:xml:ns:xmpp-session";
    public static readonly XNamespace DataForms = "jabber:x:data";
    public static readonly XNamespace Register = "jabber:iq:register";
    public static readonly XNamespace RegisterFeature = "http://jabber.org/features/iq-register";
    public static readonly XNamespace DiscoInfo = "http://jabber.org/protocol/disco#info";
    public static readonly XNamespace DiscoItems = "http://jabber.org/protocol/disco#items";
    public static readonly XNamespace Ping = "urn:xmpp:ping";
    public static readonly XNamespace Muc = "http://jabber.org/protocol/muc";
    public static readonly XNamespace MucUser = "http://jabber.org/protocol/muc#user";
    public static readonly XNamespace MucAdmin = "http://jabber.org/protocol/muc#admin";
    public static readonly XNamespace MucOwner = "http://jabber.org/protocol/muc#owner";

    /// <summary>The xml:lang attribute name.</summary>
    public static readonly XName XmlLang = XNamespace.Xml + "lang";
}
