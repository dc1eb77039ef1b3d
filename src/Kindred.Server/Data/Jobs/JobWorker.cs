namespace Kindred.Server.Data.Jobs;

/// <summary>What a job handler tells the worker when a job cannot succeed by trying again (bad payload, gone for good).</summary>
public sealed class PermanentJobFailureException(string message) : Exception(message);

/// <summary>
/// Runs the jobs of one kind. Handlers must be idempotent: a job whose node died mid-run is run again. With
/// <paramref name="Every"/> the kind is recurring: the worker keeps exactly one such job queued, due one period after
/// the last run ended, across all nodes (the queue deduplicates by kind).
/// </summary>
public sealed record JobHandler(string Kind, Func<Job, CancellationToken, Task> RunAsync, TimeSpan? Every = null);

/// <summary>
/// One per node: claims due jobs of the kinds it has handlers for and runs each on its own, so one failing job never
/// stops the others or the worker. Success completes the job; an exception retries it on <see cref="Backoff"/>
/// (<see cref="PermanentJobFailureException"/>: failed at once, with the reason). Woken when a job is committed, else it polls.
/// </summary>
public sealed class JobWorker(Database db, JobQueue queue, JobSignal signal, IEnumerable<JobHandler> handlers, TimeProvider time, ILogger<JobWorker> logger)
    : BackgroundService
{
    public static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan KeepFinished = TimeSpan.FromDays(7);
    private const int Batch = 20;

    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly Dictionary<string, JobHandler> _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_handlers.Count == 0)
        {
            return;
        }

        var nextPrune = time.GetUtcNow();
        foreach (var recurring in _handlers.Values.Where(h => h.Every is not null))
        {
            await ScheduleAsync(recurring, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                if (time.GetUtcNow() >= nextPrune)
                {
                    await queue.PruneAsync(KeepFinished, stoppingToken);
                    nextPrune = time.GetUtcNow() + TimeSpan.FromHours(1);
                }

                var jobs = await queue.ClaimAsync(_handlers.Keys, _owner, Batch, Lease, stoppingToken);
                claimed = jobs.Count;
                for (var i = 0; i < jobs.Count; i++)
                {
                    if (stoppingToken.IsCancellationRequested)
                    {
                        // Shutting down: hand the rest back now rather than leave them leased until the lease expires.
                        foreach (var left in jobs.Skip(i))
                        {
                            await queue.ReleaseAsync(left.Id, CancellationToken.None);
                        }

                        return;
                    }

                    await RunAsync(jobs[i], stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Job worker loop failed; trying again shortly");
            }

            if (claimed < Batch)
            {
                await signal.WaitAsync(Poll, time, stoppingToken);
            }
        }
    }

    /// <summary>Runs one claimed job and records its outcome.</summary>
    public async Task RunAsync(Job job, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        try
        {
            await _handlers[job.Kind].RunAsync(job, ct);
            await queue.CompleteAsync(job.Id, CancellationToken.None);
            await ScheduleAsync(_handlers[job.Kind], CancellationToken.None);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await queue.ReleaseAsync(job.Id, CancellationToken.None);
            throw;
        }
        catch (Exception ex)
        {
            var state = await queue.FailAsync(job, $"{ex.GetType().Name}: {ex.Message}", ex is PermanentJobFailureException, CancellationToken.None);
            Diagnostics.KindredMetrics.JobFailed(job.Kind, state != JobQueue.States.Failed);
            if (state == JobQueue.States.Failed)
            {
                await ScheduleAsync(_handlers[job.Kind], CancellationToken.None);
            }

            logger.Log(state == JobQueue.States.Failed ? LogLevel.Warning : LogLevel.Information,
                "Job {Kind} {Id} failed on attempt {Attempt}: {Error}; {Next}", job.Kind, job.Id, job.Attempts, ex.Message,
                state == JobQueue.States.Failed ? "gave up" : "will retry");
        }
    }

    /// <summary>Queues the next run of a recurring kind; a no-op while one is queued or running on any node.</summary>
    private async Task ScheduleAsync(JobHandler handler, CancellationToken ct)
    {
        if (handler.Every is { } every)
        {
            await db.InTransactionAsync((c, tx) => queue.EnqueueAsync(c, tx, handler.Kind, dedupeKey: handler.Kind, runAt: time.GetUtcNow() + every), ct);
        }
    }
}
