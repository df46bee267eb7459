namespace CleverCloud.Identity.Scep;

/// <summary>The GetCACaps answer (RFC 8894 §3.5.2): one capability keyword per line, compared case-insensitively.</summary>
public sealed class ScepCapabilities(IReadOnlyCollection<string> keywords)
{
    public IReadOnlyCollection<string> Keywords { get; } = keywords;

    public bool Supports(string keyword) => Keywords.Contains(keyword, StringComparer.OrdinalIgnoreCase);

    public bool SupportsPost => Supports("POSTPKIOperation") || Supports("SCEPStandard");

    public bool SupportsRenewal => Supports("Renewal") || Supports("SCEPStandard");

    public static ScepCapabilities Parse(string text)
    {
        var keywords = text
            .Split(['\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToArray();
        return new ScepCapabilities(keywords);
    }
}
