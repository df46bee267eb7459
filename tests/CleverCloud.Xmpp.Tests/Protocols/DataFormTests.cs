using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Forms;

namespace CleverCloud.Xmpp.Tests.Protocols;

public sealed class DataFormTests
{
    [Test]
    public void Xep0004BotForm_TypedAccessors()
    {
        var form = RoundTrip.Parse<DataForm>(XepSamples.BotCreationForm);

        Assert.Multiple(() =>
        {
            Assert.That(form.Type, Is.EqualTo(DataFormType.Form));
            Assert.That(form.Title, Is.EqualTo("Bot Configuration"));
            Assert.That(form.Instructions, Is.EqualTo(new[] { "Fill out this form to configure your new bot!" }));
            Assert.That(form.FormType, Is.EqualTo("jabber:bot"));
            Assert.That(form.Fields, Has.Count.EqualTo(12));
            Assert.That(form.Field("public")!.Type, Is.EqualTo(FormFieldType.Boolean));
            Assert.That(form.Field("public")!.IsRequired, Is.True);
            Assert.That(form.GetValues("features"), Is.EqualTo(new[] { "news", "search" }));
            Assert.That(form.Field("features")!.Options.Select(o => o.OptionValue), Is.EqualTo(new[] { "contests", "news", "polls", "reminders", "search" }));
            Assert.That(form.Field("features")!.Options[0].Label, Is.EqualTo("Contests"));
            Assert.That(form.GetValue("maxsubs"), Is.EqualTo("20"));
            Assert.That(form.Field("invitelist")!.Type, Is.EqualTo(FormFieldType.JidMulti));
            Assert.That(form.Field("invitelist")!.Description, Is.EqualTo("Tell all your friends about your new bot!"));
            Assert.That(form.Field("password")!.Type, Is.EqualTo(FormFieldType.TextPrivate));
            Assert.That(form.Field("nonexistent"), Is.Null);
        });
    }

    [Test]
    public void CreateSubmit_KeepsVariableFieldsAndValuesOnly()
    {
        var form = RoundTrip.Parse<DataForm>(XepSamples.BotCreationForm);

        var submit = form.CreateSubmit();
        submit.SetValue("botname", "The Jabber Google Bot");
        submit.SetBoolean("public", false);
        submit.SetValues("features", ["news", "search"]);

        var parsed = RoundTrip.Through(submit);

        Assert.Multiple(() =>
        {
            Assert.That(parsed.Type, Is.EqualTo(DataFormType.Submit));
            Assert.That(parsed.FormType, Is.EqualTo("jabber:bot"));
            Assert.That(parsed.Fields.Any(f => f.Type == FormFieldType.Fixed), Is.False);
            Assert.That(parsed.Descendants(XmppNamespaces.DataForms + "option"), Is.Empty);
            Assert.That(parsed.Descendants(XmppNamespaces.DataForms + "desc"), Is.Empty);
            Assert.That(parsed.Title, Is.Null);
            Assert.That(parsed.GetValue("botname"), Is.EqualTo("The Jabber Google Bot"));
            Assert.That(parsed.GetBoolean("public"), Is.False);
            Assert.That(parsed.GetValue("public"), Is.EqualTo("0"));
            Assert.That(parsed.GetValue("maxsubs"), Is.EqualTo("20"));
            Assert.That(parsed.GetValues("features"), Is.EqualTo(new[] { "news", "search" }));
        });
    }

    [Test]
    public void SetValue_OnMissingField_AddsIt()
    {
        var form = new DataForm(DataFormType.Submit);

        form.SetValue("x-new", "v");

        Assert.That(RoundTrip.Through(form).GetValue("x-new"), Is.EqualTo("v"));
    }

    [Test]
    public void Values_AreWrittenBeforeOptions()
    {
        var field = new FormField { Var = "f", Type = FormFieldType.ListSingle };
        field.AddOption("a", "A");
        field.SingleValue = "a";

        Assert.That(field.Elements().First().Name.LocalName, Is.EqualTo("value"));
    }

    [TestCase("1", true)]
    [TestCase("true", true)]
    [TestCase("0", false)]
    [TestCase("false", false)]
    public void BooleanField_AcceptsXep0004Spellings(string value, bool expected)
    {
        var form = RoundTrip.Parse<DataForm>(
            $"<x xmlns='jabber:x:data' type='result'><field var='b' type='boolean'><value>{value}</value></field></x>");

        Assert.That(form.GetBoolean("b"), Is.EqualTo(expected));
    }

    [Test]
    public void BooleanField_OtherValue_ThrowsMalformedElement()
    {
        var form = RoundTrip.Parse<DataForm>("<x xmlns='jabber:x:data' type='form'><field var='b' type='boolean'><value>yes</value></field></x>");

        var error = Assert.Throws<MalformedElementException>(() => form.GetBoolean("b"));
        Assert.That(error!.Message, Does.Contain("yes").And.Contain("'b'"));
    }

    [Test]
    public void Field_WithoutType_IsTextSingle_UnknownType_IsMalformed()
    {
        var form = RoundTrip.Parse<DataForm>(
            "<x xmlns='jabber:x:data' type='form'><field var='plain'/><field var='odd' type='color-picker'/></x>");

        Assert.That(form.Field("plain")!.Type, Is.EqualTo(FormFieldType.TextSingle));
        Assert.Throws<MalformedElementException>(() => _ = form.Field("odd")!.Type);
    }

    [Test]
    public void Form_WithoutType_IsMalformed()
    {
        var form = RoundTrip.Parse<DataForm>("<x xmlns='jabber:x:data'/>");

        Assert.Throws<MalformedElementException>(() => _ = form.Type);
    }

    [Test]
    public void Field_FromPlainTree_IsUpgradedInPlace()
    {
        var form = (DataForm)RoundTrip.Registry.Create(DataForm.ElementName);
        form.SetAttributeValue("type", "form");
        form.Add(XElement.Parse("<field xmlns='jabber:x:data' var='a'><value>1</value></field>"));

        form.Field("a")!.SingleValue = "2";

        Assert.That(form.GetValue("a"), Is.EqualTo("2"));
        Assert.That(form.Elements().Single(), Is.InstanceOf<FormField>());
    }
}
