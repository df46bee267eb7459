using System.Security.Cryptography.X509Certificates;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Security.Envelope;

/// <summary>What the sender chooses for an outgoing envelope; the codec adds sender, time, nonce, counter and epoch.</summary>
/// <param name="Recipient">The room's bare JID for room traffic, or the recipient's bare JID for one-to-one traffic.</param>
/// <param name="MessageId">The protocol message id (correlates replies); at most <see cref="SecurityOptions.MaxMessageIdLength"/> chars.</param>
/// <param name="Type">Command, reply or event.</param>
public sealed record EnvelopeHeader(string Recipient, string MessageId, EnvelopeType Type);

/// <summary>Every field the sender signed, as read back from an accepted envelope.</summary>
public sealed record VerifiedHeader(
    string Sender,
    string Recipient,
    string MessageId,
    EnvelopeType Type,
    EnvelopeMode Mode,
    DateTimeOffset Timestamp,
    ulong Counter,
    uint KeyEpoch);

/// <summary>What the auditor needs to prove, later and offline, who sent what.</summary>
/// <param name="SignedBytes">The exact canonical bytes the signature covers.</param>
/// <param name="Signature">The signature as on the wire (DER for ECDSA, raw for RSA-PSS).</param>
/// <param name="ContentKey">The per-message AES-256-GCM key of the body (empty for signed-only envelopes). Disclosing it
/// reveals this one message and nothing else, so an auditor can check that the signed ciphertext decrypts to the payload.</param>
public sealed record EnvelopeEvidence(
    byte[] SignedBytes,
    byte[] Signature,
    SignatureAlgorithm SignatureAlgorithm,
    X509Certificate2 Signer,
    byte[] ContentKey);

/// <summary>An envelope that passed every check: signature, sender policy, freshness, replay and decryption.</summary>
public sealed record OpenedEnvelope(
    VerifiedHeader Header,
    AgentRole SenderRole,
    ReadOnlyMemory<byte> Payload,
    EnvelopeEvidence Evidence,
    uint? InstalledKeyEpoch);
