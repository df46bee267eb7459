using Microsoft.Extensions.Options;

namespace CleverCloud.Agent.Hosting;

/// <summary>Runs an options class's own Validate method at start; its ArgumentException names the bad setting.</summary>
public sealed class ValidateByMethod<TOptions>(Action<TOptions> validate) : IValidateOptions<TOptions> where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
