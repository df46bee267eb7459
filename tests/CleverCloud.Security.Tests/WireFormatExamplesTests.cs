using System.Text;
using System.Xml;
using System.Xml.Linq;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Tests.Support;
using static CleverCloud.Security.Tests.Support.TestCluster;

namespace CleverCloud.Security.Tests;

/// <summary>
/// Produces the example stanzas of docs/wire-format.md from the real codec, after checking that each one opens, and
/// rewrites the generated section of the document so the examples can never drift from the code.
/// </summary>
public sealed class WireFormatExamplesTests
{
    private const string BeginMarker = "<!-- BEGIN GENERATED EXAMPLES (WireFormatExamplesTests) -->";
    private const string EndMarker = "<!-- END GENERATED EXAMPLES -->";

    [Test]
    public async Task Examples_open_and_are_written_into_the_wire_format_document()
    {
        using var cluster = new TestCluster();
        var hm = cluster.AddHostManager(1);
        var hm2 = cluster.AddHostManager(2);
        var jabber = XNamespace.Get("jabber:client");

        var batches = cluster.Distributor.RotateAndDistribute([hm.AsMember(), hm2.AsMember()], "room created");
        var keyDistribution = new XElement(jabber + "message", new XAttribute("from", Room + "/cm"), new XAttribute("to", Room),
            new XAttribute("type", "groupchat"), new XAttribute("id", batches[0].MessageId), batches[0].Elements);
        Assert.That((await hm.Codec.OpenAsync(keyDistribution, CmJid, Room, CancellationToken.None)).Envelope?.InstalledKeyEpoch, Is.EqualTo(1));

        var command = new XElement(jabber + "message", new XAttribute("from", Room + "/cm"), new XAttribute("to", Room),
            new XAttribute("type", "groupchat"), new XAttribute("id", "c-17"),
            cluster.Cm.Codec.SealForRoom(new EnvelopeHeader(Room, "c-17", EnvelopeType.Command),
                Utf8("""{"v":1,"id":"c-17","op":"vm.start","args":{"name":"web-01"}}""")));
        Assert.That((await hm.Codec.OpenAsync(command, CmJid, Room, CancellationToken.None)).IsAccepted, Is.True);

        var reply = new XElement(jabber + "message", new XAttribute("from", Room + "/hm1"), new XAttribute("to", Room + "/cm"),
            new XAttribute("type", "chat"), new XAttribute("id", "c-17-r"),
            hm.Codec.SealForPeer(new EnvelopeHeader(CmJid, "c-17", EnvelopeType.Reply),
                Utf8("""{"v":1,"id":"c-17","ok":true,"result":{"state":"running"}}"""), cluster.Cm.Certificate));
        Assert.That((await cluster.Cm.Codec.OpenAsync(reply, hm.Jid, CmJid, CancellationToken.None)).IsAccepted, Is.True);

        var presence = new XElement(jabber + "presence", new XAttribute("from", "hm1@example.org/agent"), new XAttribute("to", Room + "/hm1"),
            hm.Codec.SignPresence(Room, "available", """{"cpu":0.42,"memFreeMiB":12288,"vms":3}"""));
        Assert.That((await cluster.Cm.Codec.VerifyPresenceAsync(presence, hm.Jid, Room, CancellationToken.None)).IsAccepted, Is.True);

        var generated = new StringBuilder();
        generated.AppendLine(BeginMarker);
        Section(generated, "Room command (CM → room, epoch key)", command);
        Section(generated, "One-to-one reply (HM → CM, content key wrapped under the pairwise key)", reply);
        Section(generated, "Key distribution (CM → room, one batch of wrapped epoch keys)", keyDistribution);
        Section(generated, "Signed presence (HM → room)", presence);
        generated.Append(EndMarker);

        var document = Path.Combine(RepositoryRoot(), "docs", "wire-format.md");
        var text = await File.ReadAllTextAsync(document);
        var begin = text.IndexOf(BeginMarker, StringComparison.Ordinal);
        var end = text.IndexOf(EndMarker, StringComparison.Ordinal);
        Assert.That(begin, Is.GreaterThanOrEqualTo(0), "the document must hold the begin marker");
        Assert.That(end, Is.GreaterThan(begin), "the document must hold the end marker after the begin marker");
        // Signatures and nonces differ on every run: rewrite the document only when asked, so test runs leave the
        // checkout clean; otherwise check that the committed examples cover the same kinds of stanza.
        if (Environment.GetEnvironmentVariable("CLEVER_REGENERATE_WIRE_DOCS") == "1")
        {
            var updated = string.Concat(text.AsSpan(0, begin), generated.ToString(), text.AsSpan(end + EndMarker.Length));
            await File.WriteAllTextAsync(document, updated);
            text = updated;
            end = text.IndexOf(EndMarker, StringComparison.Ordinal);
        }
        var committed = text[begin..end];
        Assert.That(committed, Does.Contain("urn:clevercloud:sessionkey:1").And.Contain("jabber:x:signed").And.Contain("jabber:x:encrypted"),
            "regenerate the examples with CLEVER_REGENERATE_WIRE_DOCS=1");
        foreach (var line in generated.ToString().Split('\n').Where(l => l.StartsWith("### ", StringComparison.Ordinal)))
            Assert.That(committed, Does.Contain(line.TrimEnd()), "regenerate the examples with CLEVER_REGENERATE_WIRE_DOCS=1");
    }

    private static void Section(StringBuilder builder, string title, XElement stanza)
    {
        builder.AppendLine().Append("### ").AppendLine(title).AppendLine().AppendLine("```xml");
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, IndentChars = "  ", NewLineOnAttributes = false };
        var xml = new StringBuilder();
        using (var writer = XmlWriter.Create(xml, settings))
        {
            stanza.WriteTo(writer);
        }
        builder.AppendLine(xml.ToString()).AppendLine("```");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CleverCloud.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new DirectoryNotFoundException("CleverCloud.sln not found above the test directory");
    }
}
