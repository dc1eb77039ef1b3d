using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>
/// The one delivery worker of a node: claims due jobs, sends them with bounded concurrency (overall, and per instance
/// so a slow instance never holds every slot), decides retry or not, and hands outcomes to <see cref="DeliveryOutcomes"/>.
/// Paused instances are probed with one job when their cool-down is over. Several nodes may run it on one PostgreSQL.
/// </summary>
public sealed class DeliveryWorker(
    DeliveryJobs jobs, DeliverySender sender, DeliveryOutcomes outcomes, DeliverySignal signal,
    IOptions<DeliveryOptions> options, TimeProvider time, ILogger<DeliveryWorker> log) : BackgroundService
{
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly Dictionary<string, HostLane> _lanes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _abortSends = new();
    private int _claimed;

    private sealed class HostLane(int perHost)
    {
        public SemaphoreSlim Slots { get; } = new(perHost, perHost);
        public int Claimed { get; set; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var writing = Task.Run(() => outcomes.RunAsync(_owner, signal.Wake), CancellationToken.None);
        var nextSweep = time.GetUtcNow();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var now = time.GetUtcNow();
                    if (now >= nextSweep)
                    {
                        var (gaveUp, _) = await jobs.SweepAsync(now, o, stoppingToken);
                        if (gaveUp > 0)
                        {
                            log.LogWarning("Gave up {Count} deliveries that were not delivered within {Horizon}", gaveUp, o.GiveUpAfter);
                        }

                        nextSweep = now + o.SweepInterval;
                    }

                    foreach (var probe in await jobs.ClaimProbesAsync(_owner, now, now + o.LeaseDuration, stoppingToken))
                    {
                        log.LogInformation("Probing paused instance {Host}", probe.TargetHost);
                        Dispatch(probe);
                    }

                    await ClaimAndDispatchAsync(o, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    log.LogError(ex, "Delivery worker loop failed; trying again shortly");
                }

                await signal.WaitAsync(o.PollInterval, time, stoppingToken);
            }
        }
        finally
        {
            await DrainAsync(o);
            outcomes.Complete();
            await writing;
        }
    }

    private async Task ClaimAndDispatchAsync(DeliveryOptions o, CancellationToken ct)
    {
        var free = o.MaxConcurrency - Volatile.Read(ref _claimed);
        if (free <= 0)
        {
            return;
        }

        string[] busy;
        lock (_gate)
        {
            busy = _lanes.Where(l => l.Value.Claimed >= o.MaxConcurrencyPerHost).Select(l => l.Key).ToArray();
        }

        var now = time.GetUtcNow();
        var claimed = await jobs.ClaimAsync(_owner, free, o.MaxConcurrencyPerHost, busy, now, now + o.LeaseDuration, ct);
        foreach (var job in claimed)
        {
            Dispatch(job);
        }
    }

    private void Dispatch(ClaimedJob job)
    {
        Interlocked.Increment(ref _claimed);
        HostLane lane;
        lock (_gate)
        {
            if (!_lanes.TryGetValue(job.TargetHost, out lane!))
            {
                lane = new HostLane(options.Value.MaxConcurrencyPerHost);
                _lanes[job.TargetHost] = lane;
            }

            lane.Claimed++;
        }

        var task = Task.Run(() => RunAsync(job, lane));
        _running.TryAdd(task, 0);
        _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
    }

    private async Task RunAsync(ClaimedJob job, HostLane lane)
    {
        DeliveryOutcome outcome;
        try
        {
            await lane.Slots.WaitAsync(_abortSends.Token);
            AttemptResult result;
            try
            {
                result = await sender.SendAsync(job, _abortSends.Token);
            }
            finally
            {
                lane.Slots.Release();
            }

            outcome = Decide(job, result, time.GetUtcNow(), options.Value);
        }
        catch (OperationCanceledException) when (_abortSends.IsCancellationRequested)
        {
            outcome = new DeliveryOutcome(job.Id, job.TargetHost, JobOutcome.Released, HostEffect.None, null, null);
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Delivery of {Activity} to {Inbox} failed unexpectedly", job.ActivityId, job.InboxUrl);
            outcome = Decide(job, new AttemptResult(AttemptKind.LocalError, null, ex.Message), time.GetUtcNow(), options.Value);
        }
        finally
        {
            lock (_gate)
            {
                if (--lane.Claimed == 0)
                {
                    _lanes.Remove(job.TargetHost);
                }
            }

            Interlocked.Decrement(ref _claimed);
        }

        outcomes.Post(outcome);
        Diagnostics.KindredMetrics.DeliveryAttempted(outcome.Outcome switch
        {
            JobOutcome.Delivered => "delivered",
            JobOutcome.Retry => "retry",
            JobOutcome.Failed => "failed",
            JobOutcome.GaveUp => "gave_up",
            _ => "released",
        }, outcome.Outcome == JobOutcome.Delivered && Data.Ids.CreatedAt(job.Id) is { } queued ? time.GetUtcNow() - queued : null);
        if (outcome.Outcome is JobOutcome.Failed or JobOutcome.GaveUp)
        {
            log.LogWarning("Delivery of {Activity} to {Inbox} {Outcome} after {Attempts} attempts: {Error}",
                job.ActivityId, job.InboxUrl, outcome.Outcome, job.Attempts, outcome.Error);
        }
    }

    /// <summary>Turns an attempt's result into the job's next state and its effect on the instance's breaker.</summary>
    public static DeliveryOutcome Decide(ClaimedJob job, AttemptResult r, DateTimeOffset now, DeliveryOptions o)
    {
        DeliveryOutcome RetryAt(DateTimeOffset at, HostEffect effect) => at > job.GiveUpAt
            ? new(job.Id, job.TargetHost, JobOutcome.GaveUp, effect, r.Status, r.Error + " (gave up: retry horizon reached)")
            : new(job.Id, job.TargetHost, JobOutcome.Retry, effect, r.Status, r.Error, at);

        return r.Kind switch
        {
            AttemptKind.Delivered => new(job.Id, job.TargetHost, JobOutcome.Delivered, HostEffect.Alive, r.Status, null),
            AttemptKind.Rejected => new(job.Id, job.TargetHost, JobOutcome.Failed, HostEffect.Alive, r.Status, r.Error),
            AttemptKind.Refused => new(job.Id, job.TargetHost, JobOutcome.Failed, HostEffect.None, r.Status, r.Error),
            AttemptKind.Throttled => RetryPolicy.RetryAfter(r.RetryAfter, now, o.MaxRetryAfter) is { } wait
                ? RetryAt(now + wait, HostEffect.Throttled)
                : RetryAt(now + RetryPolicy.Backoff(job.Attempts, o, Random.Shared.NextDouble()), HostEffect.None),
            AttemptKind.LocalError => RetryAt(now + RetryPolicy.Backoff(job.Attempts, o, Random.Shared.NextDouble()), HostEffect.None),
            _ => RetryAt(now + RetryPolicy.Backoff(job.Attempts, o, Random.Shared.NextDouble()), HostEffect.Down),
        };
    }

    /// <summary>Lets requests in flight finish (so a delivered activity is recorded, not sent again), then cancels the rest.</summary>
    private async Task DrainAsync(DeliveryOptions o)
    {
        var all = Task.WhenAll(_running.Keys);
        if (await Task.WhenAny(all, Task.Delay(o.DrainTimeout, time)) != all)
        {
            log.LogWarning("Cancelling {Count} deliveries still in flight at shutdown; they will be sent again", _running.Count);
            await _abortSends.CancelAsync();
        }

        try
        {
            await all;
        }
        catch (Exception ex)
        {
            log.LogDebug(ex, "A delivery ended with an error during shutdown");
        }
    }

    public override void Dispose()
    {
        _abortSends.Dispose();
        base.Dispose();
    }
}
