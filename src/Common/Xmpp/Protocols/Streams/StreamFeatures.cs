using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Bind;
using CleverCloud.Xmpp.Protocols.SaslElements;
using CleverCloud.Xmpp.Protocols.Tls;

namespace CleverCloud.Xmpp.Protocols.Streams;

/// <summary>&lt;stream:features/&gt;: what the server offers at this stage of the stream (RFC 6120 §4.3.2).</summary>
public sealed class StreamFeatures : XElement, IXmppElement
{
    private static readonly XName RegisterFeatureName = XmppNamespaces.RegisterFeature + "register";

    public StreamFeatures()
        : base(ElementName)
    {
    }

    public static XName ElementName { get; } = XmppNamespaces.Streams + "features";

    public StartTls? StartTls => this.GetExtension<StartTls>();

    public bool IsStartTlsOffered => Element(StartTls.ElementName) is not null;

    public bool IsStartTlsRequired => StartTls?.IsRequired ?? false;

    /// <summary>The SASL mechanisms offered; empty when SASL is not offered (e.g. after authentication).</summary>
    public IReadOnlyList<string> Mechanisms => this.GetExtension<SaslMechanisms>()?.Names ?? [];

    public bool IsBindOffered => Element(ResourceBinding.ElementName) is not null;

    /// <summary>In-band registration (XEP-0077 §4: &lt;register xmlns='http://jabber.org/features/iq-register'/&gt;).</summary>
    public bool IsRegistrationOffered => Element(RegisterFeatureName) is not null;

    /// <summary>The legacy session feature is advertised and not marked optional.</summary>
    public bool IsSessionRequired => this.GetExtension<SessionRequest>() is { IsOptional: false };

    public bool Has(XName featureName) => Element(featureName) is not null;
}
