using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CleverCloud.Identity.Tests.Support;

/// <summary>A logger that keeps what was logged, so tests can check that a refusal says why.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly List<(EventId Id, LogLevel Level, string Message)> entries = [];

    public IReadOnlyList<(EventId Id, LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (entries)
            {
                return [.. entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => NullLogger.Instance.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        lock (entries)
        {
            entries.Add((eventId, logLevel, formatter(state, exception)));
        }
    }
}
