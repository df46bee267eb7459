using CleverCloud.Protocol;
using CleverCloud.Protocol.Dispatching;
using CleverCloud.Protocol.Messages;

namespace CleverCloud.Agent.Messaging;

/// <summary>
/// Who may ask for what (issue: "HMs execute only commands signed by the CM's current certificate; the CM accepts
/// administrative commands only from administrator certificates"). With certificates the role comes from the verified
/// signer's certificate; without (plaintext development clusters) from configured addresses.
/// </summary>
public sealed class RoleAuthorizer : ICommandAuthorizer
{
    private readonly Func<CommandRequest, string?> _requiredRole;
    private readonly IReadOnlyDictionary<string, string> _plaintextRoles;

    /// <param name="requiredRole">The role an operation needs, or null when any authenticated sender may ask.</param>
    /// <param name="plaintextRoles">Bare JID → role, used only for messages that carry no certified role.</param>
    public RoleAuthorizer(Func<CommandRequest, string?> requiredRole, IReadOnlyDictionary<string, string> plaintextRoles)
    {
        _requiredRole = requiredRole;
        _plaintextRoles = plaintextRoles;
    }

    public OperationResult? Authorize(CommandRequest request, InboundContext sender)
    {
        var required = _requiredRole(request);
        if (required is null)
            return null;
        var role = sender.Role;
        if (role is null && sender.Identity is not null)
            _plaintextRoles.TryGetValue(sender.Identity.ToLowerInvariant(), out role);
        if (role == required)
            return null;
        return OperationResult.Fail(ErrorCode.WrongRole,
            $"'{request.Operation}' needs role {required}; {sender.Identity ?? sender.Address} has {role ?? "no role"}");
    }
}
