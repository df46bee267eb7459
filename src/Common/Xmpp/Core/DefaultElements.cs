using CleverCloud.Xmpp.Protocols.Bind;
using CleverCloud.Xmpp.Protocols.Disco;
using CleverCloud.Xmpp.Protocols.Forms;
using CleverCloud.Xmpp.Protocols.Muc;
using CleverCloud.Xmpp.Protocols.Ping;
using CleverCloud.Xmpp.Protocols.Register;
using CleverCloud.Xmpp.Protocols.SaslElements;
using CleverCloud.Xmpp.Protocols.Streams;
using CleverCloud.Xmpp.Protocols.Tls;

namespace CleverCloud.Xmpp.Core;

/// <summary>What <see cref="ElementRegistry.CreateDefault"/> registers: every element class of the library.</summary>
internal static class DefaultElements
{
    public static void RegisterAll(ElementRegistry registry)
    {
        // RFC 6120 stanzas and errors, in both jabber:client and jabber:server.
        registry.RegisterStanzaContent("message", static () => new Message());
        registry.RegisterStanzaContent("presence", static () => new Presence());
        registry.RegisterStanzaContent("iq", static () => new Iq());
        registry.RegisterStanzaContent("error", static () => new StanzaError());
        registry.Register(StreamError.ElementName, static () => new StreamError());

        // Stream negotiation: features, STARTTLS, SASL, binding.
        registry.Register(StreamFeatures.ElementName, static () => new StreamFeatures());
        registry.Register(StartTls.ElementName, static () => new StartTls());
        registry.Register(TlsProceed.ElementName, static () => new TlsProceed());
        registry.Register(TlsFailure.ElementName, static () => new TlsFailure());
        registry.Register(SaslMechanisms.ElementName, static () => new SaslMechanisms());
        registry.Register(SaslAuth.ElementName, static () => new SaslAuth());
        registry.Register(SaslChallenge.ElementName, static () => new SaslChallenge());
        registry.Register(SaslResponse.ElementName, static () => new SaslResponse());
        registry.Register(SaslSuccess.ElementName, static () => new SaslSuccess());
        registry.Register(SaslFailure.ElementName, static () => new SaslFailure());
        registry.Register(SaslAbort.ElementName, static () => new SaslAbort());
        registry.Register(ResourceBinding.ElementName, static () => new ResourceBinding());
        registry.Register(SessionRequest.ElementName, static () => new SessionRequest());

        // Extensions.
        registry.Register(DataForm.ElementName, static () => new DataForm());
        registry.Register(FormField.ElementName, static () => new FormField());
        registry.Register(FormOption.ElementName, static () => new FormOption());
        registry.Register(RegisterQuery.ElementName, static () => new RegisterQuery());
        registry.Register(DiscoInfo.ElementName, static () => new DiscoInfo());
        registry.Register(DiscoIdentity.ElementName, static () => new DiscoIdentity());
        registry.Register(DiscoFeature.ElementName, static () => new DiscoFeature());
        registry.Register(DiscoItems.ElementName, static () => new DiscoItems());
        registry.Register(DiscoItem.ElementName, static () => new DiscoItem());
        registry.Register(XmppPing.ElementName, static () => new XmppPing());

        // XEP-0045 multi-user chat.
        registry.Register(MucJoin.ElementName, static () => new MucJoin());
        registry.Register(MucUser.ElementName, static () => new MucUser());
        registry.Register(MucItem.ElementName, static () => new MucItem());
        registry.Register(MucItem.AdminElementName, static () => new MucItem());
        registry.Register(MucInvite.ElementName, static () => new MucInvite());
        registry.Register(MucDecline.ElementName, static () => new MucDecline());
        registry.Register(MucAdmin.ElementName, static () => new MucAdmin());
        registry.Register(MucOwner.ElementName, static () => new MucOwner());
        registry.Register(MucDestroy.ElementName, static () => new MucDestroy());
        registry.Register(MucDestroy.UserElementName, static () => new MucDestroy());
    }
}
