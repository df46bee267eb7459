using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// <c>vm.migrate</c>: moves a VM to another host. <c>live</c> uses libvirt's migration (virDomainMigrate, the VM keeps
/// running) and needs a hypervisor that supports it on both ends (QEMU/KVM; the test driver does not).
/// <c>cold</c> works between any two libvirt connections: stop the VM (gracefully, or destroy with force), define it
/// on the target, optionally move its disks into <see cref="HostManagerOptions.MigrationDiskDirectory"/>, start it
/// there if it was running, and undefine it here; a failing step rolls the earlier ones back. <c>auto</c> (default)
/// picks live for a running VM on a hypervisor that supports it, cold otherwise.
/// </summary>
public sealed class VmMigrateOperation : LibvirtOperation
{
    private static readonly string[] Modes = ["auto", "live", "cold"];
    private static readonly string[] AllowedSchemes = ["qemu", "qemu+ssh", "qemu+tls", "qemu+tcp", "qemu+unix", "test"];

    private readonly HostManagerOptions _options;
    private readonly TimeProvider _time;

    public VmMigrateOperation(HypervisorConnection hypervisor, IOptions<HostManagerOptions> options, ILogger<VmMigrateOperation> logger,
        TimeProvider? time = null) : base(hypervisor, logger)
    {
        _options = options.Value;
        _time = time ?? TimeProvider.System;
    }

    public override string Name => "vm.migrate";

    public override string Description => "Moves a VM to another host: live where the hypervisor supports it, otherwise cold.";

    public override IReadOnlyList<ParameterDescriptor> Parameters { get; } =
    [
        VmNameParameter,
        new("targetUri", ParameterType.String, Required: true, "libvirt URI of the target host, e.g. qemu+tls://node2/system", MaxLength: 512),
        new("mode", ParameterType.String, Required: false, "auto (default), live or cold", MaxLength: 8),
        new("moveDisks", ParameterType.Boolean, Required: false, "Cold only: move disk images into the migration disk directory"),
        new("force", ParameterType.Boolean, Required: false, "Cold only: destroy the VM if it does not shut down in time"),
        new("timeoutSeconds", ParameterType.Integer, Required: false, "Cold only: how long to wait for the guest to shut down", Minimum: 1, Maximum: 3600),
    ];

    protected override ErrorCode InvalidStateCode => ErrorCode.MigrationFailed;

    protected override async Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        if (!TryGetVmName(arguments, out var name, out var failure))
            return failure;
        var targetUri = Arguments.GetString(arguments, "targetUri");
        if (CheckTarget(targetUri) is { } badTarget)
            return OperationResult.Fail(ErrorCode.InvalidArguments, badTarget);
        var mode = Arguments.GetOptionalString(arguments, "mode") ?? "auto";
        if (!Modes.Contains(mode))
            return OperationResult.Fail(ErrorCode.InvalidArguments, $"mode '{VmNames.Printable(mode)}' must be auto, live or cold");
        var moveDisks = Arguments.GetOptionalBoolean(arguments, "moveDisks") ?? false;
        if (moveDisks && _options.MigrationDiskDirectory is null)
            return OperationResult.Fail(ErrorCode.InvalidArguments, "moveDisks needs HostManager:MigrationDiskDirectory to be configured on this host");
        var force = Arguments.GetOptionalBoolean(arguments, "force") ?? false;
        var timeout = Arguments.GetOptionalInt64(arguments, "timeoutSeconds") is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : _options.DefaultShutdownTimeout;

        var (state, liveCapable) = await WithDomainAsync(name,
            domain => (domain.GetState(), !domain.Connection.GetHypervisorType().Equals("TEST", StringComparison.OrdinalIgnoreCase)),
            cancellationToken).ConfigureAwait(false);
        if (mode == "live" && !liveCapable)
            return OperationResult.Fail(ErrorCode.OperationUnavailable, "live migration is not supported by the test driver; use mode cold");
        if (mode == "live" && !state.IsActive())
            return OperationResult.Fail(ErrorCode.VmNotRunning, $"VM '{name}' is not running: live migration needs a running VM (use mode cold)");
        var live = mode == "live" || (mode == "auto" && liveCapable && state.IsActive());

        Logger.MigrationStarted(context.RequestId, name, targetUri, live ? "live" : "cold");
        OperationResult result;
        try
        {
            result = live
                ? await MigrateLiveAsync(name, targetUri, cancellationToken).ConfigureAwait(false)
                : await MigrateColdAsync(name, targetUri, moveDisks, force, timeout, context, cancellationToken).ConfigureAwait(false);
        }
        catch (MigrationTargetException exception)
        {
            return OperationResult.Fail(ErrorCode.MigrationFailed, exception.Message);
        }
        if (result.Success)
            Logger.VmChanged(context.RequestId, name, $"migrated to {targetUri}");
        return result;
    }

    private string? CheckTarget(string uri)
    {
        if (!System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !AllowedSchemes.Contains(parsed.Scheme))
            return $"targetUri '{VmNames.Printable(uri)}' is not a libvirt URI with one of the schemes {string.Join(", ", AllowedSchemes)}";
        if (uri.Any(char.IsWhiteSpace) || uri.Any(char.IsControl))
            return "targetUri must not contain spaces or control characters";
        if (string.Equals(uri, _options.LibvirtUri, StringComparison.Ordinal))
            return "targetUri names this host's own hypervisor";
        return null;
    }

    private Task<OperationResult> MigrateLiveAsync(string name, string targetUri, CancellationToken cancellationToken) =>
        Hypervisor.RunAsync(connection =>
        {
            using var target = OpenTarget(targetUri);
            using var domain = connection.LookupDomain(name);
            try
            {
                using var moved = domain.MigrateTo(target,
                    DomainMigrateFlags.Live | DomainMigrateFlags.PersistDestination | DomainMigrateFlags.UndefineSource);
                return OperationResult.Ok(new JsonObject { ["name"] = name, ["target"] = targetUri, ["mode"] = "live", ["state"] = moved.GetState().ToWireName() });
            }
            catch (LibvirtException exception) when (connection.IsAlive())
            {
                // Our own connection is fine, so whatever broke (the target, the transfer) is the migration's failure.
                return OperationResult.Fail(ErrorCode.MigrationFailed, $"live migration of '{name}' failed: {exception.LibvirtMessage}");
            }
        }, cancellationToken);

    private async Task<OperationResult> MigrateColdAsync(string name, string targetUri, bool moveDisks, bool force, TimeSpan timeout,
        OperationContext context, CancellationToken cancellationToken)
    {
        // Refuse before touching anything when the target is unreachable or already has a VM of that name.
        var targetCheck = await Hypervisor.RunAsync(_ =>
        {
            using var target = OpenTarget(targetUri);
            using var clash = target.TryLookupDomain(name);
            return clash is null ? null : OperationResult.Fail(ErrorCode.VmExists, $"the target already has a VM named '{name}'");
        }, cancellationToken).ConfigureAwait(false);
        if (targetCheck is not null)
            return targetCheck;

        var (wasActive, xml) = await WithDomainAsync(name, domain =>
        {
            var active = domain.GetState().IsActive();
            if (active)
                domain.Shutdown();
            return (active, domain.GetXml(inactive: true));
        }, cancellationToken).ConfigureAwait(false);
        if (wasActive && !await VmShutdownOperation.WaitUntilStoppedAsync(Hypervisor, name, timeout, _time, cancellationToken).ConfigureAwait(false))
        {
            if (!force)
                return OperationResult.Fail(ErrorCode.ShutdownTimedOut, $"VM '{name}' did not shut down within {timeout.TotalSeconds:0} s; nothing was migrated (repeat with force)");
            Logger.ShutdownForced(context.RequestId, name, timeout);
            await WithDomainAsync(name, domain =>
            {
                if (domain.GetState().IsActive())
                    domain.Destroy();
                return true;
            }, cancellationToken).ConfigureAwait(false);
        }

        var moves = new List<(string From, string To)>();
        if (moveDisks)
            xml = DomainXml.RelocateDisks(xml, path => PlanMove(path, moves));

        // From here on the VM is stopped: the steps run to completion or roll back, whatever the caller's token says.
        return await Hypervisor.RunAsync(connection =>
        {
            var step = "move disks";
            var movedSoFar = new List<(string From, string To)>();
            LibvirtDomain? defined = null;
            try
            {
                foreach (var move in moves)
                {
                    File.Move(move.From, move.To, overwrite: false);
                    movedSoFar.Add(move);
                }
                using var target = OpenTarget(targetUri);
                step = "define on target";
                defined = target.DefineDomain(xml);
                if (wasActive)
                {
                    step = "start on target";
                    defined.Create();
                }
                step = "undefine here";
                using (var source = connection.LookupDomain(name))
                    source.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata);
                var state = defined.GetState().ToWireName();
                defined.Dispose();
                return OperationResult.Ok(new JsonObject
                {
                    ["name"] = name,
                    ["target"] = targetUri,
                    ["mode"] = "cold",
                    ["state"] = state,
                    ["movedDisks"] = new JsonArray(moves.Select(m => (JsonNode)m.To).ToArray()),
                });
            }
            catch (Exception exception) when (exception is LibvirtException or MigrationTargetException or IOException or UnauthorizedAccessException)
            {
                Logger.MigrationFailed(context.RequestId, name, step, exception.Message);
                RollBack(context, name, wasActive, defined, movedSoFar, connection);
                return OperationResult.Fail(ErrorCode.MigrationFailed, $"cold migration of '{name}' failed at '{step}' and was rolled back: {exception.Message}");
            }
        }, CancellationToken.None).ConfigureAwait(false);
    }

    private string PlanMove(string path, List<(string From, string To)> moves)
    {
        var destination = Path.Combine(_options.MigrationDiskDirectory!, Path.GetFileName(path));
        moves.Add((path, destination));
        return destination;
    }

    private void RollBack(OperationContext context, string name, bool wasActive, LibvirtDomain? defined,
        List<(string From, string To)> moved, LibvirtConnection source)
    {
        // Each step is tried even if an earlier one fails, and every failure is logged: an operator must finish by hand.
        if (defined is not null)
        {
            TryStep(context, name, "undefine on target", () =>
            {
                if (defined.GetState().IsActive())
                    defined.Destroy();
                defined.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata);
            });
            defined.Dispose();
        }
        foreach (var (from, to) in moved)
            TryStep(context, name, $"move {to} back", () => File.Move(to, from, overwrite: false));
        if (wasActive)
        {
            TryStep(context, name, "restart here", () =>
            {
                using var domain = source.LookupDomain(name);
                if (!domain.GetState().IsActive())
                    domain.Create();
            });
        }
    }

    private void TryStep(OperationContext context, string name, string step, Action action)
    {
        try
        {
            action();
        }
        catch (Exception exception) when (exception is LibvirtException or IOException or UnauthorizedAccessException)
        {
            Logger.MigrationRollbackFailed(context.RequestId, name, step, exception.Message);
        }
    }

    /// <summary>Opens the target; its failures are migration failures, not a loss of this host's own connection.</summary>
    private static LibvirtConnection OpenTarget(string targetUri)
    {
        try
        {
            return LibvirtConnection.Open(targetUri);
        }
        catch (LibvirtException exception)
        {
            throw new MigrationTargetException($"cannot connect to the target {targetUri}: {exception.LibvirtMessage}", exception);
        }
    }
}

/// <summary>The migration target could not be reached. Distinct from <see cref="LibvirtException"/> so the local connection is not marked lost.</summary>
public sealed class MigrationTargetException(string message, Exception inner) : Exception(message, inner);
