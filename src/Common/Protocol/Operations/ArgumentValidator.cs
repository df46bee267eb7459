using System.Text.Json;
using System.Text.Json.Nodes;

namespace CleverCloud.Protocol.Operations;

/// <summary>Checks request arguments against an operation's declared parameters before anything runs.</summary>
public static class ArgumentValidator
{
    /// <returns>null when the arguments fit; otherwise a message naming the first offending parameter.</returns>
    public static string? Validate(IReadOnlyList<ParameterDescriptor> parameters, JsonObject arguments)
    {
        foreach (var (name, _) in arguments)
        {
            if (!parameters.Any(p => p.Name == name))
                return $"unknown parameter '{name}'";
        }

        foreach (var parameter in parameters)
        {
            if (!arguments.TryGetPropertyValue(parameter.Name, out var node) || node is null)
            {
                if (parameter.Required)
                    return $"missing required parameter '{parameter.Name}'";
                continue;
            }

            var error = CheckValue(parameter, node);
            if (error is not null)
                return $"parameter '{parameter.Name}': {error}";
        }
        return null;
    }

    private static string? CheckValue(ParameterDescriptor parameter, JsonNode node)
    {
        var kind = node.GetValueKind();
        switch (parameter.Type)
        {
            case ParameterType.String:
                if (kind != JsonValueKind.String)
                    return "expected a string";
                var text = node.GetValue<string>();
                if (parameter.MaxLength is { } max && text.Length > max)
                    return $"longer than {max} characters";
                return null;
            case ParameterType.Boolean:
                return kind is JsonValueKind.True or JsonValueKind.False ? null : "expected true or false";
            case ParameterType.Integer:
                return node is JsonValue value && Arguments.TryGetWholeNumber(value, out var integer)
                    ? CheckRange(parameter, integer)
                    : "expected an integer";
            case ParameterType.Number:
                return kind == JsonValueKind.Number ? null : "expected a number";
            case ParameterType.Object:
                return kind == JsonValueKind.Object ? null : "expected an object";
            case ParameterType.Array:
                return kind == JsonValueKind.Array ? null : "expected an array";
            default:
                return "unsupported parameter type";
        }
    }

    private static string? CheckRange(ParameterDescriptor parameter, long value)
    {
        if (parameter.Minimum is { } min && value < min)
            return $"{value} is below the minimum {min}";
        if (parameter.Maximum is { } max && value > max)
            return $"{value} is above the maximum {max}";
        return null;
    }
}
