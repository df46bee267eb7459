using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CleverCloud.Protocol;

namespace CleverCloud.Cli.Commands;

/// <summary>Renders a reply for a person: tables for lists, key: value for objects, a clear line for errors.</summary>
public static class ReplyPrinter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Render(OperationResult result, bool json)
    {
        if (!result.Success)
            return $"error {(int)result.Code} ({result.Code}): {result.Message}";
        if (json)
            return result.Data?.ToJsonString(Indented) ?? "{}";
        if (result.Data is not JsonObject obj)
            return result.Data?.ToJsonString() ?? "ok";

        // A reply that is one list (hosts, vms, images, ...) prints as a table.
        if (obj.Count == 1 && obj.First().Value is JsonArray { Count: > 0 } rows && rows.All(r => r is JsonObject))
            return Table(rows.Cast<JsonObject>().ToList());
        if (obj.Count == 1 && obj.First().Value is JsonArray { Count: 0 })
            return $"(no {obj.First().Key})";

        var text = new StringBuilder();
        var width = obj.Max(p => p.Key.Length);
        foreach (var (key, value) in obj)
            text.Append(key.PadRight(width)).Append("  ").AppendLine(Scalar(value, nested: true));
        return text.ToString().TrimEnd();
    }

    private static string Table(List<JsonObject> rows)
    {
        var columns = rows.SelectMany(r => r.Select(p => p.Key)).Distinct().ToList();
        var cells = rows.Select(r => columns.Select(c => Scalar(r[c], nested: false)).ToList()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, cells.Max(row => row[i].Length))).ToList();
        var text = new StringBuilder();
        text.AppendLine(string.Join("  ", columns.Select((c, i) => c.ToUpperInvariant().PadRight(widths[i]))).TrimEnd());
        foreach (var row in cells)
            text.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        return text.ToString().TrimEnd();
    }

    private static string Scalar(JsonNode? node, bool nested) => node switch
    {
        null => "-",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var d) =>
            d.ToString(d == Math.Floor(d) ? "0" : "0.##", CultureInfo.InvariantCulture),
        JsonValue value => value.ToJsonString(),
        JsonArray array when array.All(a => a is JsonValue) => string.Join(", ", array.Select(a => Scalar(a, nested))),
        _ => node.ToJsonString(),
    };
}
