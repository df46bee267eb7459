using System.Security.Cryptography.X509Certificates;

namespace CleverCloud.Security.Keys;

/// <summary>A room member the CM wraps the session key for: its bare JID and its current (validated) certificate.</summary>
public sealed record RoomMember(string BareJid, X509Certificate2 Certificate);
