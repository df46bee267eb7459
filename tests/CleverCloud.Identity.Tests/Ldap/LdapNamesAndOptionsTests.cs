using CleverCloud.Identity.Directory;
using CleverCloud.Identity.Validation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CleverCloud.Identity.Tests.Ldap;

[TestFixture]
public sealed class LdapNamesAndOptionsTests
{
    [TestCase("hm1@cluster.test", "hm1@cluster.test")]
    [TestCase("a,b", "a\\,b")]
    [TestCase("a+b=c", "a\\+b\\=c")]
    [TestCase("\"q\"<x>;\\", "\\\"q\\\"\\<x\\>\\;\\\\")]
    [TestCase("#lead", "\\#lead")]
    [TestCase("mid#dle", "mid#dle")]
    [TestCase(" both ", "\\ both\\ ")]
    [TestCase("nul\0ctl\u0001", "nul\\00ctl\\01")]
    public void Dn_values_are_escaped_per_rfc4514(string value, string expected) =>
        Assert.That(LdapNames.EscapeDnValue(value), Is.EqualTo(expected));

    [TestCase("hm1@cluster.test", "hm1@cluster.test")]
    [TestCase("*", "\\2a")]
    [TestCase("*)(uid=*", "\\2a\\29\\28uid=\\2a")]
    [TestCase("back\\slash", "back\\5cslash")]
    [TestCase("nul\0", "nul\\00")]
    [TestCase("é@cluster.test", "é@cluster.test")]
    public void Filter_values_are_escaped_per_rfc4515(string value, string expected) =>
        Assert.That(LdapNames.EscapeFilterValue(value), Is.EqualTo(expected));

    private static LdapDirectoryOptions Valid() => new() { Uri = "ldap://127.0.0.1:3890", BaseDn = "dc=clevercloud,dc=test" };

    [Test]
    public void Valid_options_pass() => Assert.That(new LdapDirectoryOptionsValidator().Validate(null, Valid()).Succeeded, Is.True);

    [TestCase("http://127.0.0.1:389", "Ldap:Uri")]
    [TestCase("ldap://", "Ldap:Uri")]
    [TestCase("ldap://127.0.0.1:389/dc=x", "Ldap:Uri")]
    public void Bad_uri_is_named(string uri, string setting)
    {
        var options = Valid();
        options.Uri = uri;

        Assert.That(new LdapDirectoryOptionsValidator().Validate(null, options).FailureMessage, Does.Contain(setting));
    }

    [Test]
    public void Inconsistent_bind_and_tls_settings_are_named()
    {
        var options = Valid();
        options.BaseDn = "";
        options.BindDn = "cn=admin,dc=clevercloud,dc=test";
        options.StartTls = true;
        options.OperationTimeout = TimeSpan.Zero;

        var message = new LdapDirectoryOptionsValidator().Validate(null, options).FailureMessage;

        Assert.That(message, Does.Contain("Ldap:BaseDn").And.Contain("Ldap:BindDn").And.Contain("Ldap:TrustedCaFile").And.Contain("Ldap:OperationTimeout"));
    }

    [Test]
    public void StartTls_over_ldaps_is_refused()
    {
        var options = Valid();
        options.Uri = "ldaps://127.0.0.1:636";
        options.StartTls = true;
        options.TrustedCaFile = "/etc/hostname";

        Assert.That(new LdapDirectoryOptionsValidator().Validate(null, options).FailureMessage, Does.Contain("Ldap:StartTls"));
    }

    [Test]
    public void Directory_refuses_to_be_built_from_invalid_options()
    {
        var options = Valid();
        options.Uri = "nonsense";

        Assert.Throws<OptionsValidationException>(() => _ = new LdapCertificateDirectory(options, NullLogger<LdapCertificateDirectory>.Instance));
    }

    [Test]
    public void Bind_password_file_readable_by_others_is_named()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "secret");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            var options = Valid();
            options.BindDn = "cn=admin,dc=clevercloud,dc=test";
            options.BindPasswordFile = file;

            Assert.That(new LdapDirectoryOptionsValidator().Validate(null, options).FailureMessage, Does.Contain("Ldap:BindPasswordFile").And.Contain("0604"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Test]
    public void Peer_validation_options_name_each_bad_setting()
    {
        var options = new PeerValidationOptions
        {
            CaCertificateFile = "/nonexistent/ca.pem",
            CacheTtl = TimeSpan.Zero,
            MaxCacheEntries = 0,
            CrlRefreshInterval = TimeSpan.FromSeconds(-1),
        };

        var message = new PeerValidationOptionsValidator().Validate(null, options).FailureMessage;

        Assert.That(message, Does.Contain("PeerValidation:CaCertificateFile").And.Contain("PeerValidation:CacheTtl")
            .And.Contain("PeerValidation:MaxCacheEntries").And.Contain("PeerValidation:CrlRefreshInterval"));
    }
}
