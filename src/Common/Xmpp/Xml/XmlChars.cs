namespace CleverCloud.Xmpp.Xml;

/// <summary>Character classes of XML 1.0 (fifth edition) §2.2 and §2.3, by code point.</summary>
internal static class XmlChars
{
    public static bool IsChar(int cp) =>
        cp >= 0x20 ? cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF)
                   : cp is 0x9 or 0xA or 0xD;

    public static bool IsWhitespace(int cp) => cp is ' ' or '\t' or '\n' or '\r';

    public static bool IsNameStartChar(int cp)
    {
        if (cp < 0x80)
            return (uint)((cp | 0x20) - 'a') <= 'z' - 'a' || cp is '_' or ':';
        return (cp >= 0xC0 && cp <= 0xD6) || (cp >= 0xD8 && cp <= 0xF6) || (cp >= 0xF8 && cp <= 0x2FF)
            || (cp >= 0x370 && cp <= 0x37D) || (cp >= 0x37F && cp <= 0x1FFF) || cp is 0x200C or 0x200D
            || (cp >= 0x2070 && cp <= 0x218F) || (cp >= 0x2C00 && cp <= 0x2FEF) || (cp >= 0x3001 && cp <= 0xD7FF)
            || (cp >= 0xF900 && cp <= 0xFDCF) || (cp >= 0xFDF0 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0xEFFFF);
    }

    public static bool IsNameChar(int cp) =>
        IsNameStartChar(cp) || (uint)(cp - '0') <= 9 || cp is '-' or '.' or 0xB7
        || (cp >= 0x300 && cp <= 0x36F) || cp is 0x203F or 0x2040;

    /// <summary>A name with at most one colon, neither first nor last, and a name-start character after it.</summary>
    public static bool IsQualifiedName(ReadOnlySpan<char> name)
    {
        var colon = name.IndexOf(':');
        if (colon < 0)
            return name.Length > 0;
        if (colon == 0 || colon == name.Length - 1 || name[(colon + 1)..].Contains(':'))
            return false;
        var first = name[colon + 1];
        // Every supplementary-plane name character is also a name-start character.
        return char.IsHighSurrogate(first) || IsNameStartChar(first);
    }

    /// <summary>Whether <paramref name="name"/> could be an entity name (a Name without colon).</summary>
    public static bool IsNcName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !IsNameStartChar(name[0]) || name.Contains(':'))
            return false;
        foreach (var c in name)
        {
            if (!char.IsSurrogate(c) && !IsNameChar(c))
                return false;
        }
        return true;
    }
}
