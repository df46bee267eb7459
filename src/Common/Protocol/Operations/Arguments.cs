using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleverCloud.Protocol.Operations;

/// <summary>
/// Typed reads of request arguments. A JSON number can be backed by a parsed document or by a CLR value (an int
/// written by local code), and <see cref="JsonValue.TryGetValue{T}"/> only converts between some of those: these
/// helpers accept every representation of a whole number. Call them after <see cref="ArgumentValidator"/> ran.
/// </summary>
public static class Arguments
{
    public static string GetString(JsonObject arguments, string name) =>
        GetOptionalString(arguments, name) ?? throw new ArgumentException($"missing string argument '{name}'", name);

    public static string? GetOptionalString(JsonObject arguments, string name) =>
        arguments[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    public static long GetInt64(JsonObject arguments, string name) =>
        GetOptionalInt64(arguments, name) ?? throw new ArgumentException($"missing integer argument '{name}'", name);

    public static long? GetOptionalInt64(JsonObject arguments, string name) =>
        arguments[name] is JsonValue value && TryGetWholeNumber(value, out var number) ? number : null;

    public static bool? GetOptionalBoolean(JsonObject arguments, string name) =>
        arguments[name]?.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

    public static bool TryGetWholeNumber(JsonValue value, out long number)
    {
        number = 0;
        if (value.GetValueKind() != JsonValueKind.Number)
            return false;
        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.TryGetInt64(out number))
                return true;
            return element.TryGetDouble(out var d) && TryWhole(d, out number);
        }
        if (value.TryGetValue(out long l)) { number = l; return true; }
        if (value.TryGetValue(out int i)) { number = i; return true; }
        if (value.TryGetValue(out uint u)) { number = u; return true; }
        if (value.TryGetValue(out short s)) { number = s; return true; }
        if (value.TryGetValue(out byte b)) { number = b; return true; }
        if (value.TryGetValue(out double dbl)) return TryWhole(dbl, out number);
        if (value.TryGetValue(out float f)) return TryWhole(f, out number);
        if (value.TryGetValue(out decimal m) && m == decimal.Truncate(m) && m >= long.MinValue && m <= long.MaxValue)
        {
            number = (long)m;
            return true;
        }
        return false;
    }

    private static bool TryWhole(double d, out long number)
    {
        number = 0;
        if (double.IsNaN(d) || double.IsInfinity(d) || d != Math.Floor(d) || d < long.MinValue || d >= long.MaxValue)
            return false;
        number = (long)d;
        return true;
    }
}
