using System.Security.Cryptography;
using CleverCloud.Identity.Certificates;

namespace CleverCloud.Identity.Scep;

/// <summary>What an entity asks the CA for at first start: a certificate for its bare JID and role.</summary>
public sealed class EnrollmentRequest
{
    /// <summary>The entity's bare JID; the CA checks it against the address bound to the challenge.</summary>
    public required string XmppAddress { get; init; }

    public required AgentRole Role { get; init; }

    /// <summary>The one-time challenge the administrator created for this address and role.</summary>
    public required string ChallengePassword { get; init; }

    /// <summary>The key pair to certify (ECDSA P-256 by default, RSA-2048 accepted). Its private key stays here.</summary>
    public AsymmetricAlgorithm Key { get; init; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>How long to wait between CertPoll messages while the CA answers PENDING.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to keep polling before giving up with a transient <see cref="ScepException"/>.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMinutes(10);
}
