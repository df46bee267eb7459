using System.Xml.Linq;
using CleverCloud.Agent.Messaging;
using CleverCloud.Identity.Bootstrap;
using CleverCloud.Identity.Certificates;
using CleverCloud.Protocol;
using CleverCloud.Security;
using CleverCloud.Security.Audit;
using CleverCloud.Security.Diagnostics;
using CleverCloud.Security.Envelope;
using CleverCloud.Security.Keys;
using CleverCloud.Security.Policy;
using Microsoft.Extensions.Logging;

namespace CleverCloud.Agent.Security;

/// <summary>
/// Signs and encrypts every protocol message (paper §V-A): traffic inside the room under the room session key,
/// one-to-one traffic (administrator ↔ CM, key delivery) hybrid-encrypted for the recipient's certificate. Opening
/// verifies before anything else and never passes on a message that failed; accepted commands are written to the
/// non-repudiation audit log with their signatures.
/// </summary>
public sealed class SecureProtector : IMessageProtector, IDisposable
{
    private static readonly XName SignedElement = EnvelopeNames.Signed + "x";

    private readonly AgentIdentityProvider _identities;
    private readonly IPeerCertificateResolver _resolver;
    private readonly SecurityOptions _options;
    private readonly AgentOptions _agent;
    private readonly IRoomMembership? _members;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly Lazy<SecureEnvelopeCodec> _codec;

    public SecureProtector(AgentIdentityProvider identities, IPeerCertificateResolver resolver, SecurityOptions options,
        AgentOptions agent, IRoomMembership? members, SecurityCounters counters, AuditLog? audit, TimeProvider time, ILoggerFactory loggers)
    {
        _identities = identities;
        _resolver = resolver;
        _options = options;
        _agent = agent;
        _members = members;
        _time = time;
        _loggers = loggers;
        Counters = counters;
        Audit = audit;
        RoomKeys = new RoomKeyRing(agent.RoomJid, options.PreviousEpochGrace, time);
        // Built on first use: the identity is loaded (or enrolled through SCEP) by a hosted service at start.
        _codec = new Lazy<SecureEnvelopeCodec>(CreateCodec, LazyThreadSafetyMode.ExecutionAndPublication);
        _identities.IdentityChanged += OnIdentityChanged;
    }

    /// <summary>Raised after the codec switched to a renewed certificate (e.g. to announce it to the room at once).</summary>
    public event EventHandler? IdentityRenewed;

    /// <summary>Renewal: sign with the new key from now on, keeping replay state and room keys.</summary>
    private void OnIdentityChanged(object? sender, AgentIdentityChangedEventArgs change)
    {
        if (!_codec.IsValueCreated)
            return; // built from the current identity on first use
        _codec.Value.UseIdentity(new SecurityIdentity(change.Current.XmppAddress, change.Current.Certificate));
        IdentityRenewed?.Invoke(this, EventArgs.Empty);
    }

    public bool IsSecured => true;

    public SecurityCounters Counters { get; }

    public AuditLog? Audit { get; }

    public RoomKeyRing RoomKeys { get; }

    public SecureEnvelopeCodec Codec => _codec.Value;

    private SecureEnvelopeCodec CreateCodec()
    {
        var identity = _identities.Current;
        var security = new SecurityIdentity(identity.XmppAddress, identity.Certificate);
        var policy = new SenderPolicy(security.Role, _agent.ManagerJid, _members);
        return new SecureEnvelopeCodec(security, _resolver, RoomKeys, policy, _options, Counters, _time, _loggers.CreateLogger<SecureEnvelopeCodec>());
    }

    public bool CarriesPayload(XElement message) => message.Element(SignedElement) is not null;

    public async ValueTask<IReadOnlyList<XElement>> ProtectAsync(OutboundEnvelope envelope, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var type = envelope.Kind switch
        {
            "request" => EnvelopeType.Command,
            "reply" => EnvelopeType.Reply,
            _ => EnvelopeType.Event,
        };
        IReadOnlyList<XElement> sealedElements;
        if (envelope.IsRoomTraffic)
        {
            sealedElements = Codec.SealForRoom(new EnvelopeHeader(_agent.RoomJid, envelope.MessageId, type), payload.Span);
        }
        else
        {
            var recipient = Addresses.Bare(envelope.RecipientIdentity ?? envelope.Recipient);
            var peer = await _resolver.ResolveAsync(recipient, cancellationToken).ConfigureAwait(false);
            if (!peer.IsValid || peer.Certificate is null)
                throw new SecureEnvelopeException(ErrorCode.UnknownSigner, $"no valid certificate for {recipient}: {peer.Status} {peer.Reason}");
            sealedElements = Codec.SealForPeer(new EnvelopeHeader(recipient, envelope.MessageId, type), payload.Span, peer.Certificate);
        }

        if (Audit is not null && type == EnvelopeType.Reply && envelope.InReplyTo is not null)
            await Audit.AppendExecutedAsync(envelope.InReplyTo, Addresses.Bare(envelope.RecipientIdentity ?? envelope.Recipient), envelope.ResultCode ?? ErrorCode.None, cancellationToken).ConfigureAwait(false);
        return sealedElements;
    }

    public async ValueTask<UnprotectResult> UnprotectAsync(XElement message, string? senderIdentity, string senderAddress, string recipient, CancellationToken cancellationToken)
    {
        if (senderIdentity is null)
            return UnprotectResult.Reject(ErrorCode.UnknownSigner, $"the real address behind {senderAddress} is not known (not an occupant of a non-anonymous room)");
        var opened = await Codec.OpenAsync(message, Addresses.Bare(senderIdentity), recipient, cancellationToken).ConfigureAwait(false);
        if (!opened.IsAccepted)
            return UnprotectResult.Reject(opened.Error, opened.Reason ?? opened.Error.ToString());
        var envelope = opened.Envelope!;
        if (envelope.Header.Type == EnvelopeType.KeyDistribution)
            return UnprotectResult.Handled(envelope.Header.Sender);
        if (Audit is not null && envelope.Header.Type == EnvelopeType.Command)
            await Audit.AppendReceivedAsync(envelope, cancellationToken).ConfigureAwait(false);
        return UnprotectResult.Accept(envelope.Payload, envelope.Header.Sender, envelope.SenderRole.ToWire());
    }


    public void Dispose()
    {
        _identities.IdentityChanged -= OnIdentityChanged;
        if (_codec.IsValueCreated)
            _codec.Value.Dispose();
        RoomKeys.Dispose();
        Audit?.Dispose();
    }
}
