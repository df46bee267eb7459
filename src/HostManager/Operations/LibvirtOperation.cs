using System.Text.Json.Nodes;
using CleverCloud.HostManager.Libvirt;
using CleverCloud.Protocol;
using CleverCloud.Protocol.Operations;
using Microsoft.Extensions.Logging;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// Base of operations that drive libvirt. Subclasses validate their arguments before any native call and run their
/// libvirt work through <see cref="Hypervisor"/>; this base turns every <see cref="LibvirtException"/> into a numbered
/// error (see <see cref="LibvirtErrorMapping"/>) with a log line naming libvirt's own error. Public so operations can
/// be added from outside this project.
/// </summary>
public abstract class LibvirtOperation : IOperation
{
    protected LibvirtOperation(HypervisorConnection hypervisor, ILogger logger)
    {
        Hypervisor = hypervisor;
        Logger = logger;
    }

    protected HypervisorConnection Hypervisor { get; }

    protected ILogger Logger { get; }

    public abstract string Name { get; }

    public abstract string Description { get; }

    public abstract IReadOnlyList<ParameterDescriptor> Parameters { get; }

    /// <summary>What libvirt's "operation invalid at this time" means for this operation.</summary>
    protected virtual ErrorCode InvalidStateCode => ErrorCode.InvalidVmState;

    public virtual OperationAvailability CheckAvailability() => OperationAvailability.Available;

    public async Task<OperationResult> ExecuteAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken)
    {
        try
        {
            // Refusals returned here are logged by the dispatcher with their code and reason.
            return await ExecuteCoreAsync(arguments, context, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException exception)
        {
            var code = LibvirtErrorMapping.ToErrorCode(exception, InvalidStateCode);
            Logger.LibvirtFailure(context.RequestId, Name, exception.Function, (int)exception.Code, exception.Code.ToString(),
                exception.Domain.ToString(), (int)code, exception.LibvirtMessage);
            return OperationResult.Fail(code, Describe(exception, code));
        }
    }

    protected abstract Task<OperationResult> ExecuteCoreAsync(JsonObject arguments, OperationContext context, CancellationToken cancellationToken);

    /// <summary>The validated VM name argument, or the failure to return.</summary>
    protected static bool TryGetVmName(JsonObject arguments, out string name, out OperationResult failure, string parameter = "name")
    {
        name = Arguments.GetString(arguments, parameter);
        var problem = VmNames.Check("VM name", name);
        failure = problem is null ? null! : OperationResult.Fail(ErrorCode.InvalidArguments, problem);
        return problem is null;
    }

    /// <summary>Runs <paramref name="action"/> on the named domain on a libvirt worker.</summary>
    protected Task<T> WithDomainAsync<T>(string name, Func<LibvirtDomain, T> action, CancellationToken cancellationToken) =>
        Hypervisor.RunAsync(connection =>
        {
            using var domain = connection.LookupDomain(name);
            return action(domain);
        }, cancellationToken);

    protected static ParameterDescriptor VmNameParameter { get; } =
        new("name", ParameterType.String, Required: true, "VM name", MaxLength: VmNames.MaxNameLength);

    private static string Describe(LibvirtException exception, ErrorCode code) => code switch
    {
        ErrorCode.HypervisorUnavailable => $"hypervisor unavailable: {exception.LibvirtMessage}",
        _ => exception.LibvirtMessage,
    };
}

/// <summary>Common JSON shapes of operation results.</summary>
public static class VmJson
{
    public static JsonObject Info(string name, string uuid, DomainInfo info, bool persistent) => new()
    {
        ["name"] = name,
        ["uuid"] = uuid,
        ["state"] = info.State.ToWireName(),
        ["vcpus"] = info.VirtualCpus,
        ["maxMemoryKiB"] = info.MaxMemoryKiB,
        ["memoryKiB"] = info.MemoryKiB,
        ["cpuTimeNs"] = info.CpuTimeNanoseconds,
        ["persistent"] = persistent,
    };

    public static JsonObject State(string name, DomainState state) => new()
    {
        ["name"] = name,
        ["state"] = state.ToWireName(),
    };
}
