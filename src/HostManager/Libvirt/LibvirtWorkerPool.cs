using System.Collections.Concurrent;

namespace CleverCloud.HostManager.Libvirt;

/// <summary>
/// Dedicated threads for blocking libvirt calls, so the async loop never waits on the hypervisor. A work item runs
/// start to finish on one thread: the native call and the capture of its thread-local error cannot be separated.
/// </summary>
public sealed class LibvirtWorkerPool : IDisposable
{
    private readonly BlockingCollection<IWorkItem> _queue = new();
    private readonly Thread[] _threads;

    public LibvirtWorkerPool(int threadCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        _threads = new Thread[threadCount];
        for (var i = 0; i < threadCount; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"libvirt-worker-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>
    /// Queues <paramref name="work"/>. Cancellation withdraws work that has not started; once a libvirt call runs it
    /// cannot be interrupted, so the task completes with its real outcome rather than pretending it was cancelled.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled<T>(cancellationToken);
        var item = new WorkItem<T>(work, cancellationToken);
        _queue.Add(item, CancellationToken.None);
        return item.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
            thread.Join();
        _queue.Dispose();
    }

    private void Work()
    {
        foreach (var item in _queue.GetConsumingEnumerable())
            item.Execute();
    }

    private interface IWorkItem
    {
        void Execute();
    }

    private sealed class WorkItem<T>(Func<T> work, CancellationToken cancellationToken) : IWorkItem
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public void Execute()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _completion.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                _completion.TrySetResult(work());
            }
            catch (Exception exception)
            {
                // Not swallowed: the caller awaiting the task receives it.
                _completion.TrySetException(exception);
            }
        }
    }
}
