using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CleverCloud.Xmpp.Core;

/// <summary>
/// An XMPP address <c>[localpart@]domainpart[/resourcepart]</c> (RFC 7622), immutable and compared part by part.
/// </summary>
/// <remarks>
/// PRECIS simplification: RFC 7622 prepares the localpart with the UsernameCaseMapped profile, the resourcepart with
/// OpaqueString and the domainpart with IDNA2008. This library lowercases the localpart and domainpart with invariant
/// lowercasing, keeps the resourcepart as is, and performs no Unicode normalization (the agents run with invariant
/// globalization). That is exact for the ASCII addresses CleverCloud generates and conservative for the rest:
/// characters RFC 7622 forbids in the localpart, control characters and overlong parts are all rejected.
/// </remarks>
public sealed class Jid : IEquatable<Jid>
{
    /// <summary>RFC 7622 §3.2–3.4: each part is at most 1023 bytes once UTF-8 encoded.</summary>
    public const int MaxPartBytes = 1023;

    private const string ForbiddenLocalCharacters = "\"&'/:<>@";

    public Jid(string? local, string domain, string? resource = null)
    {
        var error = Validate(ref local, ref domain, resource);
        if (error is not null)
        {
            throw new InvalidJidException(Format(local, domain, resource), error);
        }

        Local = local;
        Domain = domain;
        Resource = resource;
    }

    private Jid(string? local, string domain, string? resource, bool alreadyValidated)
    {
        _ = alreadyValidated;
        Local = local;
        Domain = domain;
        Resource = resource;
    }

    public string? Local { get; }
    public string Domain { get; }
    public string? Resource { get; }

    public bool IsBare => Resource is null;
    public bool IsFull => Resource is not null;

    /// <summary>The address without its resource (the account or the room).</summary>
    public Jid Bare => Resource is null ? this : new Jid(Local, Domain, null, alreadyValidated: true);

    /// <summary>The same account or room with <paramref name="resource"/> (an occupant nickname for a room).</summary>
    public Jid WithResource(string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var error = ValidateResource(resource);
        if (error is not null)
        {
            throw new InvalidJidException(Format(Local, Domain, resource), error);
        }

        return new Jid(Local, Domain, resource, alreadyValidated: true);
    }

    public static Jid Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var jid, out var error) ? jid : throw new InvalidJidException(text, error);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Jid? jid) =>
        TryParse(text, out jid, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out Jid? jid, out string error)
    {
        jid = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "the address is empty";
            return false;
        }

        // RFC 7622 §3.1: the resource runs from the first '/' to the end, so it may itself hold '/' and '@'.
        string? resource = null;
        var rest = text;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            resource = text[(slash + 1)..];
            rest = text[..slash];
        }

        string? local = null;
        var domain = rest;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            local = rest[..at];
            domain = rest[(at + 1)..];
        }

        var problem = Validate(ref local, ref domain, resource);
        if (problem is not null)
        {
            error = problem;
            return false;
        }

        jid = new Jid(local, domain, resource, alreadyValidated: true);
        error = string.Empty;
        return true;
    }

    private static string? Validate(ref string? local, ref string domain, string? resource)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (local is not null)
        {
            if (local.Length == 0)
            {
                return "the localpart before '@' is empty";
            }

            foreach (var c in local)
            {
                if (ForbiddenLocalCharacters.Contains(c, StringComparison.Ordinal))
                {
                    return $"the localpart contains the forbidden character '{c}'";
                }

                if (char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    return "the localpart contains a space or control character";
                }
            }

            if (Encoding.UTF8.GetByteCount(local) > MaxPartBytes)
            {
                return $"the localpart is longer than {MaxPartBytes} bytes";
            }

            local = local.ToLowerInvariant();
        }

        // RFC 7622 §3.2: a trailing label separator is stripped before any other check.
        if (domain.EndsWith('.'))
        {
            domain = domain[..^1];
        }

        var domainError = ValidateDomain(domain);
        if (domainError is not null)
        {
            return domainError;
        }

        domain = domain.ToLowerInvariant();
        return resource is null ? null : ValidateResource(resource);
    }

    private static string? ValidateDomain(string domain)
    {
        if (domain.Length == 0)
        {
            return "the domainpart is empty";
        }

        if (Encoding.UTF8.GetByteCount(domain) > MaxPartBytes)
        {
            return $"the domainpart is longer than {MaxPartBytes} bytes";
        }

        if (domain[0] == '[')
        {
            // An IPv6 literal (RFC 7622 §3.2 refers to RFC 3986's IP-literal).
            return domain[^1] == ']' && System.Net.IPAddress.TryParse(domain[1..^1], out var address)
                && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? null
                : "the domainpart is not a valid bracketed IPv6 address";
        }

        foreach (var label in domain.Split('.'))
        {
            if (label.Length == 0)
            {
                return "the domainpart has an empty label";
            }

            foreach (var c in label)
            {
                if (!char.IsLetterOrDigit(c) && c != '-' && c != '_')
                {
                    return $"the domainpart contains the character '{c}', which no host name may hold";
                }
            }
        }

        return null;
    }

    private static string? ValidateResource(string resource)
    {
        if (resource.Length == 0)
        {
            return "the resourcepart after '/' is empty";
        }

        foreach (var c in resource)
        {
            if (char.IsControl(c))
            {
                return "the resourcepart contains a control character";
            }
        }

        return Encoding.UTF8.GetByteCount(resource) > MaxPartBytes
            ? $"the resourcepart is longer than {MaxPartBytes} bytes"
            : null;
    }

    private static string Format(string? local, string domain, string? resource)
    {
        var builder = new StringBuilder();
        if (local is not null)
        {
            builder.Append(local).Append('@');
        }

        builder.Append(domain);
        if (resource is not null)
        {
            builder.Append('/').Append(resource);
        }

        return builder.ToString();
    }

    public override string ToString() => Format(Local, Domain, Resource);

    public bool Equals(Jid? other) =>
        other is not null
        && string.Equals(Local, other.Local, StringComparison.Ordinal)
        && string.Equals(Domain, other.Domain, StringComparison.Ordinal)
        && string.Equals(Resource, other.Resource, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as Jid);

    public override int GetHashCode() =>
        HashCode.Combine(
            Local is null ? 0 : StringComparer.Ordinal.GetHashCode(Local),
            StringComparer.Ordinal.GetHashCode(Domain),
            Resource is null ? 0 : StringComparer.Ordinal.GetHashCode(Resource));

    public static bool operator ==(Jid? left, Jid? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Jid? left, Jid? right) => !(left == right);
}
