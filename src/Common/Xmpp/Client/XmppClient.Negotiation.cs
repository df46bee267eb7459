using System.Text;
using System.Xml.Linq;
using CleverCloud.Xmpp.Core;
using CleverCloud.Xmpp.Protocols.Bind;
using CleverCloud.Xmpp.Protocols.Register;
using CleverCloud.Xmpp.Protocols.SaslElements;
using CleverCloud.Xmpp.Protocols.Streams;
using CleverCloud.Xmpp.Protocols.Tls;
using CleverCloud.Xmpp.Sasl;
using CleverCloud.Xmpp.Transport;
using CleverCloud.Xmpp.Xml;

namespace CleverCloud.Xmpp.Client;

public sealed partial class XmppClient
{
    /// <summary>Connects and runs stream negotiation (RFC 6120 §4-§7) up to a bound resource.</summary>
    private async Task<Session> EstablishAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var token = linked.Token;
        Session? session = null;
        try
        {
            var transport = await TcpTransport.ConnectAsync(_options.Host, _options.Port, token).ConfigureAwait(false);
            session = new Session(transport, _registry, new StreamParserOptions { MaxStanzaBytes = _options.MaxStanzaBytes });
            var tls = new TlsSettings(_options.Domain, _options.TrustedCertificateFile, clientCertificate: null);
            if (_options.TlsMode == TlsMode.DirectTls)
                await transport.UpgradeToTlsAsync(tls, token).ConfigureAwait(false);

            var authenticated = false;
            while (true)
            {
                var features = await OpenStreamAsync(session, token).ConfigureAwait(false);

                if (!transport.IsEncrypted && _options.TlsMode != TlsMode.None)
                {
                    if (features.IsStartTlsOffered)
                    {
                        await session.WriteAsync(new StartTls(), token).ConfigureAwait(false);
                        var answer = await session.NextElementAsync(token).ConfigureAwait(false);
                        if (answer is not TlsProceed)
                            throw new TlsNegotiationException($"the server refused STARTTLS ({answer.Name.LocalName})");
                        await transport.UpgradeToTlsAsync(tls, token).ConfigureAwait(false);
                        session.RestartStream();
                        continue;
                    }
                    if (_options.TlsMode is TlsMode.Required)
                        throw new TlsNegotiationException($"{_options.Domain} does not offer STARTTLS and TLS is required");
                }

                if (!authenticated)
                {
                    if (_options.RegisterAccount && !_accountRegistered)
                        await RegisterAccountAsync(session, token).ConfigureAwait(false);
                    await AuthenticateAsync(session, features, transport.IsEncrypted, token).ConfigureAwait(false);
                    authenticated = true;
                    session.RestartStream();
                    continue;
                }

                await BindAsync(session, features, token).ConfigureAwait(false);
                break;
            }

            _session = session;
            SetState(ConnectionState.Connected, 0, null, null);
            LogConnected(BoundJid!.ToString(), transport.IsEncrypted);
            // Session-established handlers (MUC rejoin) run on the dispatch loop, in order with incoming stanzas.
            await _inbound.Writer.WriteAsync(new SessionMarker(), token).ConfigureAwait(false);
            return session;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            if (session is not null)
                await session.DisposeAsync().ConfigureAwait(false);
            throw new XmppException($"connecting to {_options.Host}:{_options.Port} did not complete within {_options.ConnectTimeout.TotalSeconds:0.#} s", isTransient: true, new TimeoutException());
        }
        catch
        {
            if (session is not null)
                await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<StreamFeatures> OpenStreamAsync(Session session, CancellationToken cancellationToken)
    {
        var header = $"<?xml version='1.0'?><stream:stream to='{EscapeAttribute(_options.Domain)}' version='1.0' xml:lang='en' "
            + "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
        await session.WriteRawAsync(Encoding.UTF8.GetBytes(header), cancellationToken).ConfigureAwait(false);
        var element = await session.NextElementAsync(cancellationToken).ConfigureAwait(false);
        return element switch
        {
            StreamFeatures features => features,
            StreamError error => throw error.ToException(),
            _ => throw new XmppException($"expected stream features, got <{element.Name.LocalName}>"),
        };
    }

    private async Task AuthenticateAsync(Session session, StreamFeatures features, bool tlsEstablished, CancellationToken cancellationToken)
    {
        var credentials = SaslCredentials.ForPassword(_options.Username, _options.ResolvePassword());
        var mechanism = new SaslMechanismSelector().Select(features.Mechanisms, credentials, tlsEstablished);
        LogAuthenticating(mechanism.Name);
        await session.WriteAsync(new SaslAuth(mechanism.Name, mechanism.InitialResponse()), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var element = await session.NextElementAsync(cancellationToken).ConfigureAwait(false);
            switch (element)
            {
                case SaslChallenge challenge:
                    byte[] response;
                    try
                    {
                        response = mechanism.Challenge(challenge.Payload ?? []);
                    }
                    catch (AuthenticationException)
                    {
                        // RFC 6120 §6.4.4: a client that cannot continue aborts the exchange.
                        await session.WriteAsync(new SaslAbort(), cancellationToken).ConfigureAwait(false);
                        throw;
                    }
                    await session.WriteAsync(new SaslResponse(response), cancellationToken).ConfigureAwait(false);
                    break;
                case SaslSuccess success:
                    mechanism.Success(success.Payload ?? []);
                    return;
                case SaslFailure failure:
                    throw failure.ToException(mechanism.Name);
                case StreamError error:
                    throw error.ToException();
                default:
                    throw new XmppException($"unexpected <{element.Name.LocalName}> during SASL");
            }
        }
    }

    /// <summary>
    /// XEP-0077 on the not-yet-authenticated stream: creates the account, or learns that it exists. A server that does
    /// not allow registration is not an error here: the account may have been created by its operator.
    /// </summary>
    private async Task RegisterAccountAsync(Session session, CancellationToken cancellationToken)
    {
        var request = RegisterQuery.CreateRegistration(_options.Username, _options.ResolvePassword());
        request.Id ??= Stanza.NewId();
        await session.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var element = await session.NextElementAsync(cancellationToken).ConfigureAwait(false);
            if (element is StreamError streamError)
                throw streamError.ToException();
            if (element is not Iq iq || iq.Id != request.Id)
            {
                LogUnexpectedElement(element.Name.ToString());
                continue;
            }
            if (iq.Type == IqType.Result)
            {
                LogRegistered(_options.Username, _options.Domain);
            }
            else
            {
                var condition = iq.Error?.Condition;
                if (condition == StanzaErrorCondition.Conflict)
                    LogAccountExists(_options.Username);
                else
                    LogRegistrationRefused(condition?.ToString() ?? "unknown", iq.Error?.Text ?? "");
            }
            _accountRegistered = true;
            return;
        }
    }

    private async Task BindAsync(Session session, StreamFeatures features, CancellationToken cancellationToken)
    {
        if (!features.IsBindOffered)
            throw new XmppException("the server did not offer resource binding after authentication");
        var bind = new Iq { Type = IqType.Set, Id = Stanza.NewId() };
        bind.Add(ResourceBinding.Request(_options.Resource));
        await session.WriteAsync(bind, cancellationToken).ConfigureAwait(false);
        var response = await ExpectIqAsync(session, bind.Id!, cancellationToken).ConfigureAwait(false);
        BoundJid = response.GetPayload<ResourceBinding>()?.Jid
            ?? throw new XmppException("the bind result carries no JID");

        if (features.IsSessionRequired)
        {
            // RFC 3921 session establishment, still required by some older servers.
            var establish = new Iq { Type = IqType.Set, Id = Stanza.NewId() };
            establish.Add(new SessionRequest());
            await session.WriteAsync(establish, cancellationToken).ConfigureAwait(false);
            await ExpectIqAsync(session, establish.Id!, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<Iq> ExpectIqAsync(Session session, string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var element = await session.NextElementAsync(cancellationToken).ConfigureAwait(false);
            if (element is StreamError error)
                throw error.ToException();
            if (element is Iq iq && iq.Id == id)
                return iq.Type == IqType.Error ? throw iq.ToException() : iq;
        }
    }

    private static string EscapeAttribute(string value) =>
        value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("'", "&apos;", StringComparison.Ordinal)
             .Replace("<", "&lt;", StringComparison.Ordinal);
}
