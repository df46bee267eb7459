using System.Globalization;

namespace CleverCloud.Xmpp.Core;

/// <summary>A string is not a valid XMPP address (RFC 7622). Never transient.</summary>
public sealed class InvalidJidException : FormatException
{
    public InvalidJidException(string text, string reason)
        : base(string.Create(CultureInfo.InvariantCulture, $"'{text}' is not a valid XMPP address: {reason}"))
    {
        Text = text;
        Reason = reason;
    }

    /// <summary>The rejected input.</summary>
    public string Text { get; }

    public string Reason { get; }

    public bool IsTransient => false;
}
