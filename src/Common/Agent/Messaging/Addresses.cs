namespace CleverCloud.Agent.Messaging;

/// <summary>Address helpers shared by the messenger and the protection layer.</summary>
internal static class Addresses
{
    /// <summary>The bare part of a JID or room-occupant address (everything before the resource), without validating it.</summary>
    public static string Bare(string address)
    {
        var slash = address.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? address : address[..slash];
    }
}
