namespace CleverCloud.Xmpp.Core;

/// <summary>
/// Maps an enum to the exact wire names XMPP uses ("groupchat", "list-single", "bad-request"), in both directions,
/// without reflection so that the library stays trimmable.
/// </summary>
internal sealed class XmlEnumMap<TEnum>
    where TEnum : struct, Enum
{
    private readonly Dictionary<TEnum, string> _names = [];
    private readonly Dictionary<string, TEnum> _values = new(StringComparer.Ordinal);

    public XmlEnumMap(params (TEnum Value, string Name)[] pairs)
    {
        foreach (var (value, name) in pairs)
        {
            _names.Add(value, name);
            _values.Add(name, value);
        }
    }

    public IEnumerable<string> Names => _values.Keys;

    public string ToName(TEnum value) =>
        _names.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(TEnum).Name} has no XML name for this value");

    public bool TryParse(string? name, out TEnum value)
    {
        if (name is not null && _values.TryGetValue(name, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Parses a value received from the peer; an unknown name is a protocol violation.</summary>
    public TEnum Parse(string name, string what, string elementName) =>
        TryParse(name, out var value)
            ? value
            : throw new MalformedElementException(
                $"<{elementName}> has {what} '{name}', which is none of: {string.Join(", ", _values.Keys)}", elementName);
}
