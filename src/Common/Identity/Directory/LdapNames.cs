using System.Globalization;
using System.Text;

namespace CleverCloud.Identity.Directory;

/// <summary>
/// Escaping of values put into distinguished names (RFC 4514 §2.4) and search filters (RFC 4515 §3), so that an
/// address such as <c>*)(uid=*</c> or <c>a,ou=x</c> is always taken literally.
/// </summary>
public static class LdapNames
{
    /// <summary>Escapes an attribute value for use in a DN string (RFC 4514 §2.4).</summary>
    public static string EscapeDnValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 8);
        for (var index = 0; index < value.Length; index++)
        {
            var character = value[index];
            switch (character)
            {
                case '"' or '+' or ',' or ';' or '<' or '>' or '\\' or '=':
                    builder.Append('\\').Append(character);
                    break;
                case '#' when index == 0:
                    builder.Append("\\#");
                    break;
                case ' ' when index == 0 || index == value.Length - 1:
                    builder.Append("\\ ");
                    break;
                case < ' ' or '\u007f':
                    // Control characters (NUL included) as \XX hex pairs: never raw in a DN string.
                    builder.Append('\\').Append(((int)character).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(character);
                    break;
            }
        }
        return builder.ToString();
    }

    /// <summary>Escapes an assertion value for use in a search filter (RFC 4515 §3): <c>* ( ) \ NUL</c> become \XX.</summary>
    public static string EscapeFilterValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 8);
        foreach (var character in value)
        {
            _ = character switch
            {
                '*' => builder.Append("\\2a"),
                '(' => builder.Append("\\28"),
                ')' => builder.Append("\\29"),
                '\\' => builder.Append("\\5c"),
                '\0' => builder.Append("\\00"),
                _ => builder.Append(character),
            };
        }
        return builder.ToString();
    }
}
