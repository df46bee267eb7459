using System.Xml.Linq;
using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Tests.Core;

public sealed class ElementRegistryTests
{
    [Test]
    public void Create_RegisteredName_GivesTypedInstance()
    {
        var registry = ElementRegistry.CreateDefault();

        Assert.Multiple(() =>
        {
            Assert.That(registry.Create(XmppNamespaces.Client + "message"), Is.InstanceOf<Message>());
            Assert.That(registry.Create(XmppNamespaces.Client + "presence"), Is.InstanceOf<Presence>());
            Assert.That(registry.Create(XmppNamespaces.Client + "iq"), Is.InstanceOf<Iq>());
            Assert.That(registry.Create(XmppNamespaces.Client + "error"), Is.InstanceOf<StanzaError>());
            Assert.That(registry.Create(XmppNamespaces.Streams + "error"), Is.InstanceOf<StreamError>());
        });
    }

    [Test]
    public void Create_JabberServerName_GivesTypedInstanceInThatNamespace()
    {
        var registry = ElementRegistry.CreateDefault();

        var message = registry.Create(XmppNamespaces.Server + "message");

        Assert.That(message, Is.InstanceOf<Message>());
        Assert.That(message.Name, Is.EqualTo(XmppNamespaces.Server + "message"));
    }

    [Test]
    public void Create_UnregisteredName_GivesPlainElement()
    {
        var registry = ElementRegistry.CreateDefault();

        var element = registry.Create(XName.Get("query", "jabber:iq:version"));

        Assert.That(element.GetType(), Is.EqualTo(typeof(XElement)));
        Assert.That(element.Name, Is.EqualTo(XName.Get("query", "jabber:iq:version")));
    }

    [Test]
    public void Create_SameLocalNameInOtherNamespace_IsNotConfused()
    {
        var registry = ElementRegistry.CreateDefault();

        Assert.That(registry.Create(XName.Get("message", "urn:example")).GetType(), Is.EqualTo(typeof(XElement)));
    }

    [Test]
    public void Register_Twice_IsRefused()
    {
        var registry = new ElementRegistry();
        registry.Register(XName.Get("a", "urn:x"), static () => new XElement("a"));

        Assert.Throws<ArgumentException>(() => registry.Register(XName.Get("a", "urn:x"), static () => new XElement("a")));
    }

    [Test]
    public void Register_CustomElement_IsCreatedAndRenamed()
    {
        var registry = new ElementRegistry();
        registry.Register(XName.Get("hello", "urn:x"), static () => new Message());

        var element = registry.Create(XName.Get("hello", "urn:x"));

        Assert.That(element, Is.InstanceOf<Message>());
        Assert.That(element.Name, Is.EqualTo(XName.Get("hello", "urn:x")));
    }

    [Test]
    public void Factory_BuildsTypedTreeByHand_AsTheParserWould()
    {
        var registry = ElementRegistry.CreateDefault();

        // What a push parser does: create each element through the factory, then add attributes and children.
        var iq = registry.Create(XmppNamespaces.Client + "iq");
        iq.SetAttributeValue("type", "error");
        iq.SetAttributeValue("id", "p1");
        var error = registry.Create(XmppNamespaces.Client + "error");
        error.SetAttributeValue("type", "wait");
        error.Add(registry.Create(XmppNamespaces.Stanzas + "resource-constraint"));
        iq.Add(error);

        var typed = (Iq)iq;

        Assert.That(typed.Error, Is.SameAs(error));
        Assert.That(typed.Error!.Condition, Is.EqualTo(StanzaErrorCondition.ResourceConstraint));
        Assert.That(typed.Type, Is.EqualTo(IqType.Error));
    }

    [Test]
    public void Materialize_TypesNestedElementsAndKeepsText()
    {
        var registry = ElementRegistry.CreateDefault();
        var plain = XElement.Parse(
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><x><message xmlns='jabber:client'>a<b/>c</message></x></stream:features>");

        var typed = registry.Materialize(plain);
        var message = typed.Descendants(XmppNamespaces.Client + "message").Single();

        Assert.That(message, Is.InstanceOf<Message>());
        Assert.That(message.ToString(SaveOptions.DisableFormatting), Does.Contain(">a<b />c<"));
    }

    [Test]
    public void GetChild_OnPlainTree_UpgradesInPlace()
    {
        var iq = new Iq { Type = IqType.Error, Id = "1" };
        iq.Add(XElement.Parse("<error xmlns='jabber:client' type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"));

        var error = iq.Error!;
        error.Text = "changed";

        Assert.That(iq.Element(XmppNamespaces.Client + "error"), Is.SameAs(error));
        Assert.That(iq.ToString(), Does.Contain("changed"));
    }
}
