using Serilog.Core;
using Serilog.Events;

namespace AdmissionWebhook.Tests.TestSupport;

/// <summary>Keeps every Serilog event a test host logs, and lets a test await the one it expects, within a deadline.</summary>
internal sealed class CapturingSink : ILogEventSink
{
    private readonly Lock _lock = new();
    private readonly List<LogEvent> _events = [];
    private readonly List<(Func<LogEvent, bool> Match, TaskCompletionSource<LogEvent> Found)> _waiters = [];

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_lock)
        {
            _events.Add(logEvent);
            foreach (var waiter in _waiters.Where(waiter => waiter.Match(logEvent)).ToList())
            {
                waiter.Found.TrySetResult(logEvent);
                _waiters.Remove(waiter);
            }
        }
    }

    public async Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match, CancellationToken cancellationToken)
    {
        var found = new TaskCompletionSource<LogEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_events.FirstOrDefault(match) is { } already)
            {
                return already;
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no matching log event; captured: {string.Join(" | ", Events.Select(logEvent => logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)))}");
        }
    }
}
