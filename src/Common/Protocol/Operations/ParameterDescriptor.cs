namespace CleverCloud.Protocol.Operations;

public enum ParameterType
{
    String,
    Integer,
    Boolean,
    Number,
    Object,
    Array,
}

/// <summary>
/// One declared parameter of an operation. The dispatcher checks presence, JSON type and numeric range against these
/// before the operation sees its arguments (paper Fig. 2: "checked ... for verifying if the requested operation can be
/// performed"); <c>host.info</c> publishes them so the CM and CLI know what each operation takes.
/// </summary>
public sealed record ParameterDescriptor(
    string Name,
    ParameterType Type,
    bool Required,
    string Description,
    long? Minimum = null,
    long? Maximum = null,
    int? MaxLength = null);
