using CleverCloud.Xmpp.Core;

namespace CleverCloud.Xmpp.Tests.Core;

public sealed class JidTests
{
    [Test]
    public void Parse_FullAddress_SplitsThreeParts()
    {
        var jid = Jid.Parse("hm-01@cloud.example/agent");

        Assert.Multiple(() =>
        {
            Assert.That(jid.Local, Is.EqualTo("hm-01"));
            Assert.That(jid.Domain, Is.EqualTo("cloud.example"));
            Assert.That(jid.Resource, Is.EqualTo("agent"));
            Assert.That(jid.IsFull, Is.True);
            Assert.That(jid.ToString(), Is.EqualTo("hm-01@cloud.example/agent"));
        });
    }

    [Test]
    public void Parse_DomainOnly_HasNoLocalOrResource()
    {
        var jid = Jid.Parse("conference.cloud.example");

        Assert.Multiple(() =>
        {
            Assert.That(jid.Local, Is.Null);
            Assert.That(jid.Resource, Is.Null);
            Assert.That(jid.IsBare, Is.True);
            Assert.That(jid.Domain, Is.EqualTo("conference.cloud.example"));
        });
    }

    [Test]
    public void Parse_ResourceKeepsSlashesAndAtSigns()
    {
        // RFC 7622 §3.1: everything after the first '/' is the resource.
        var jid = Jid.Parse("room@muc.example/nick@host/with/slash");

        Assert.Multiple(() =>
        {
            Assert.That(jid.Local, Is.EqualTo("room"));
            Assert.That(jid.Domain, Is.EqualTo("muc.example"));
            Assert.That(jid.Resource, Is.EqualTo("nick@host/with/slash"));
        });
    }

    [Test]
    public void Parse_LowercasesLocalAndDomainButNotResource()
    {
        var jid = Jid.Parse("Alice@Example.COM/MyPhone");

        Assert.That(jid.ToString(), Is.EqualTo("alice@example.com/MyPhone"));
    }

    [Test]
    public void Parse_StripsTrailingDotOfDomain()
    {
        Assert.That(Jid.Parse("user@example.com.").Domain, Is.EqualTo("example.com"));
    }

    [Test]
    public void Parse_AcceptsBracketedIpv6Domain()
    {
        Assert.That(Jid.Parse("user@[::1]/r").Domain, Is.EqualTo("[::1]"));
    }

    [TestCase("", "empty")]
    [TestCase("@example.com", "localpart")]
    [TestCase("user@", "domainpart is empty")]
    [TestCase("user@example.com/", "resourcepart")]
    [TestCase("us er@example.com", "space")]
    [TestCase("us\"er@example.com", "forbidden character '\"'")]
    [TestCase("us&er@example.com", "forbidden character '&'")]
    [TestCase("us'er@example.com", "forbidden character '''")]
    [TestCase("us:er@example.com", "forbidden character ':'")]
    [TestCase("us<er@example.com", "forbidden character '<'")]
    [TestCase("us>er@example.com", "forbidden character '>'")]
    [TestCase("a@b@example.com", "domainpart contains the character '@'")]
    [TestCase("user@exa mple.com", "domainpart contains the character ' '")]
    [TestCase("user@example..com", "empty label")]
    [TestCase("user@[not-ipv6]", "IPv6")]
    [TestCase("user@example.com/a\u0001b", "control character")]
    public void Parse_InvalidAddress_ThrowsInvalidJidExceptionNamingTheProblem(string text, string reasonFragment)
    {
        var error = Assert.Throws<InvalidJidException>(() => Jid.Parse(text));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain(reasonFragment));
            Assert.That(error.Text, Is.EqualTo(text));
            Assert.That(error, Is.InstanceOf<FormatException>());
            Assert.That(error.IsTransient, Is.False);
        });
    }

    [TestCase(1023, true)]
    [TestCase(1024, false)]
    public void Parse_LocalpartLengthLimitIs1023Bytes(int length, bool valid)
    {
        var text = new string('a', length) + "@example.com";

        Assert.That(Jid.TryParse(text, out _), Is.EqualTo(valid));
    }

    [Test]
    public void Parse_LimitCountsUtf8BytesNotCharacters()
    {
        // 'é' is two bytes in UTF-8: 512 of them exceed 1023 bytes although they are only 512 characters.
        var text = "user@example.com/" + new string('é', 512);

        Assert.That(Jid.TryParse(text, out _), Is.False);
    }

    [Test]
    public void TryParse_Null_ReturnsFalse()
    {
        Assert.That(Jid.TryParse(null, out var jid), Is.False);
        Assert.That(jid, Is.Null);
    }

    [Test]
    public void Bare_DropsResource()
    {
        var jid = Jid.Parse("cm@cloud.example/main");

        Assert.That(jid.Bare, Is.EqualTo(Jid.Parse("cm@cloud.example")));
    }

    [Test]
    public void WithResource_ReplacesResourceAndValidatesIt()
    {
        var room = Jid.Parse("clever@conference.example");

        Assert.That(room.WithResource("hm-7").ToString(), Is.EqualTo("clever@conference.example/hm-7"));
        Assert.Throws<InvalidJidException>(() => room.WithResource(string.Empty));
    }

    [Test]
    public void Constructor_ValidatesAndNormalizesParts()
    {
        Assert.That(new Jid("HM", "Example.org", "r").ToString(), Is.EqualTo("hm@example.org/r"));
        Assert.Throws<InvalidJidException>(() => _ = new Jid("a/b", "example.org"));
    }

    [Test]
    public void Equality_IsByValueAndConsistentWithHashCode()
    {
        var first = Jid.Parse("USER@example.com/r");
        var second = Jid.Parse("user@EXAMPLE.com/r");
        var other = Jid.Parse("user@example.com/R");

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(second));
            Assert.That(first == second, Is.True);
            Assert.That(first.GetHashCode(), Is.EqualTo(second.GetHashCode()));
            Assert.That(first != other, Is.True);
        });
    }
}
