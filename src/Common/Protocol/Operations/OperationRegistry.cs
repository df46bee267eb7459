using System.Collections.Frozen;

namespace CleverCloud.Protocol.Operations;

/// <summary>The operations one agent offers, keyed by name. Built once from the DI registrations.</summary>
public sealed class OperationRegistry
{
    private readonly FrozenDictionary<string, IOperation> _operations;

    public OperationRegistry(IEnumerable<IOperation> operations)
    {
        var byName = new Dictionary<string, IOperation>(StringComparer.Ordinal);
        foreach (var operation in operations)
        {
            if (!byName.TryAdd(operation.Name, operation))
                throw new InvalidOperationException(
                    $"Operation '{operation.Name}' is registered twice ({byName[operation.Name].GetType().Name} and {operation.GetType().Name}).");
        }
        _operations = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<IOperation> All => _operations.Values.OrderBy(o => o.Name, StringComparer.Ordinal);

    public bool TryGet(string name, out IOperation operation) => _operations.TryGetValue(name, out operation!);
}
