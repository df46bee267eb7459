using Microsoft.Extensions.Options;

namespace CleverCloud.HostManager.Operations;

/// <summary>
/// Where vm.save / vm.restore keep memory state: one file per VM in the configured state directory, named after the
/// (validated) VM name, so a request can never name a path.
/// </summary>
public sealed class VmStateFiles
{
    private readonly string _directory;
    private readonly string? _unavailableReason;

    public VmStateFiles(IOptions<HostManagerOptions> options)
    {
        _directory = options.Value.StateDirectory;
        try
        {
            Directory.CreateDirectory(_directory);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Reported through the operations' availability instead of failing the whole agent.
            _unavailableReason = $"state directory '{_directory}' cannot be created: {exception.Message}";
        }
    }

    /// <summary>null when the directory is usable; otherwise why save/restore are unavailable.</summary>
    public string? UnavailableReason => _unavailableReason;

    /// <param name="vmName">A name already checked by <see cref="VmNames.IsValidName"/>.</param>
    public string PathFor(string vmName)
    {
        if (!VmNames.IsValidName(vmName))
            throw new ArgumentException("not a valid VM name", nameof(vmName));
        return Path.Combine(_directory, vmName + ".save");
    }
}
