using System.Data.Common;
using System.Threading.Channels;
using Dapper;
using Kindred.Server.Data;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>What happens to a job after an attempt.</summary>
public enum JobOutcome
{
    Delivered,
    Retry,
    Failed,
    GaveUp,

    /// <summary>Not attempted (shutdown): back to the queue without counting the attempt.</summary>
    Released,
}

/// <summary>What an attempt says about the instance, for its breaker.</summary>
public enum HostEffect
{
    None,
    Alive,
    Down,
    Throttled,
}

public sealed record DeliveryOutcome(
    Guid JobId, string Host, JobOutcome Outcome, HostEffect Effect, int? Status, string? Error,
    DateTimeOffset? NextAttemptAt = null);

/// <summary>
/// Records attempt outcomes in batches ("group commit"): one transaction for everything that finished since the last
/// write, and one update per instance rather than per job. At thousands of deliveries a second this is the difference
/// between the database and the network being the limit. Writes are fenced by the lease owner, so a worker whose lease
/// was taken over cannot overwrite the new owner's result.
/// </summary>
public sealed class DeliveryOutcomes(Database db, IOptions<DeliveryOptions> options, TimeProvider time, ILogger<DeliveryOutcomes> log)
{
    private const int MaxBatch = 1000;
    private readonly Channel<DeliveryOutcome> _channel = Channel.CreateUnbounded<DeliveryOutcome>(new UnboundedChannelOptions { SingleReader = true });

    public void Post(DeliveryOutcome outcome) => _channel.Writer.TryWrite(outcome);

    /// <summary>No more outcomes will be posted; <see cref="RunAsync"/> finishes after writing what is queued.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>Writes outcomes until <see cref="Complete"/>; calls <paramref name="written"/> after each batch.</summary>
    public async Task RunAsync(string owner, Action written)
    {
        var batch = new List<DeliveryOutcome>(MaxBatch);
        while (await _channel.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _channel.Reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await WriteAsync(owner, batch);
                    break;
                }
                catch (DbException ex) when (attempt < 5)
                {
                    log.LogWarning(ex, "Could not record {Count} delivery outcomes (attempt {Attempt}); retrying", batch.Count, attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time);
                }
                catch (Exception ex)
                {
                    // The jobs stay in flight until their lease expires and are then sent again (at-least-once).
                    log.LogError(ex, "Lost {Count} delivery outcomes; their jobs will be retried when their leases expire", batch.Count);
                    break;
                }
            }

            batch.Clear();
            written();
        }
    }

    private const string MarkFinished = """
        UPDATE delivery_jobs SET state = @State, finished_at = @Now, last_status = @Status, last_error = @Error, lease_owner = NULL, lease_expires_at = NULL
        WHERE id = @Id AND lease_owner = @Owner AND state = 'in_flight'
        """;

    private const string MarkRetry = """
        UPDATE delivery_jobs SET state = 'queued', next_attempt_at = @Next, last_status = @Status, last_error = @Error, lease_owner = NULL, lease_expires_at = NULL
        WHERE id = @Id AND lease_owner = @Owner AND state = 'in_flight'
        """;

    private const string Release = """
        UPDATE delivery_jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL
        WHERE id = @Id AND lease_owner = @Owner AND state = 'in_flight'
        """;

    private async Task WriteAsync(string owner, List<DeliveryOutcome> batch)
    {
        var now = time.GetUtcNow();
        await db.InTransactionAsync(async (c, tx) =>
        {
            var finished = batch.Where(b => b.Outcome is JobOutcome.Delivered or JobOutcome.Failed or JobOutcome.GaveUp).Select(b => new
            {
                Id = b.JobId, Owner = owner, Now = now, b.Status, b.Error,
                State = b.Outcome switch { JobOutcome.Delivered => "delivered", JobOutcome.Failed => "failed", _ => "gave_up" },
            });
            await c.ExecuteAsync(MarkFinished, finished, tx);
            var retries = batch.Where(b => b.Outcome == JobOutcome.Retry).Select(b => new { Id = b.JobId, Owner = owner, Next = b.NextAttemptAt ?? now, b.Status, b.Error });
            await c.ExecuteAsync(MarkRetry, retries, tx);
            await c.ExecuteAsync(Release, batch.Where(b => b.Outcome == JobOutcome.Released).Select(b => new { Id = b.JobId, Owner = owner }), tx);
            await RecordHostsAsync(c, tx, batch, now);
        });
    }

    // After a success, jobs of an instance that had been failing are due again at once: they were only waiting because
    // the instance was down, and it is back.
    private const string PullForward = """
        UPDATE delivery_jobs SET next_attempt_at = @Now
        WHERE target_host = @Host AND state = 'queued' AND next_attempt_at > @Now
          AND EXISTS (SELECT 1 FROM delivery_hosts h WHERE h.host = @Host AND (h.consecutive_failures > 0 OR h.state <> 'closed'))
        """;

    private const string HostSucceeded = """
        INSERT INTO delivery_hosts (host, state, consecutive_failures, last_success_at) VALUES (@Host, 'closed', 0, @Now)
        ON CONFLICT (host) DO UPDATE SET state = 'closed', consecutive_failures = 0, paused_until = NULL, last_success_at = @Now
        """;

    private const string HostFailed = """
        INSERT INTO delivery_hosts (host, state, consecutive_failures, last_failure_at, last_error) VALUES (@Host, 'closed', @Count, @Now, @Error)
        ON CONFLICT (host) DO UPDATE SET consecutive_failures = delivery_hosts.consecutive_failures + @Count, last_failure_at = @Now, last_error = @Error
        RETURNING state, consecutive_failures
        """;

    // A refusal (4xx) says nothing about the instance's health, but admins want to see it.
    private const string NoteRejection = "UPDATE delivery_hosts SET last_error = @Error, last_failure_at = @Now WHERE host = @Host";

    private const string OpenBreaker = "UPDATE delivery_hosts SET state = 'open', paused_until = @Until WHERE host = @Host";

    private const string Throttle = """
        UPDATE delivery_hosts SET paused_until = @Until, last_error = @Error
        WHERE host = @Host AND (paused_until IS NULL OR paused_until < @Until)
        """;

    private sealed class HostRow
    {
        public string State { get; init; } = "closed";
        public int ConsecutiveFailures { get; init; }
    }

    private async Task RecordHostsAsync(DbConnection c, DbTransaction tx, List<DeliveryOutcome> batch, DateTimeOffset now)
    {
        var o = options.Value;
        var alive = new List<object>();
        var rejections = new List<object>();
        foreach (var group in batch.Where(b => b.Effect != HostEffect.None).GroupBy(b => b.Host, StringComparer.Ordinal))
        {
            // In order: a success resets the count, failures after it count again.
            var wasAlive = false;
            var failures = 0;
            string? lastError = null;
            string? rejection = null;
            DateTimeOffset? throttledUntil = null;
            foreach (var b in group)
            {
                switch (b.Effect)
                {
                    case HostEffect.Alive:
                        wasAlive = true;
                        failures = 0;
                        rejection = b.Error ?? rejection;
                        break;
                    case HostEffect.Down:
                        failures++;
                        lastError = b.Error;
                        break;
                    case HostEffect.Throttled:
                        throttledUntil = b.NextAttemptAt > throttledUntil || throttledUntil is null ? b.NextAttemptAt : throttledUntil;
                        lastError = b.Error;
                        break;
                }
            }

            if (wasAlive && failures == 0 && throttledUntil is null)
            {
                // The common case, batched below (a throttle must come after the success that clears the pause).
                alive.Add(new { Host = group.Key, Now = now });
                if (rejection is not null)
                {
                    rejections.Add(new { Host = group.Key, Now = now, Error = rejection });
                }
            }
            else if (wasAlive)
            {
                await c.ExecuteAsync(PullForward, new { Host = group.Key, Now = now }, tx);
                await c.ExecuteAsync(HostSucceeded, new { Host = group.Key, Now = now }, tx);
                if (rejection is not null)
                {
                    await c.ExecuteAsync(NoteRejection, new { Host = group.Key, Now = now, Error = rejection }, tx);
                }
            }

            if (failures > 0)
            {
                var row = await c.QuerySingleAsync<HostRow>(HostFailed, new { Host = group.Key, Count = failures, Now = now, Error = lastError }, tx);
                // Pause a closed instance that reached the threshold, and re-pause (longer) one whose probe failed.
                if (row.ConsecutiveFailures >= o.BreakerFailureThreshold && row.State != "open")
                {
                    var until = now + RetryPolicy.BreakerCooldown(row.ConsecutiveFailures, o);
                    await c.ExecuteAsync(OpenBreaker, new { Host = group.Key, Until = until }, tx);
                    log.LogWarning("Paused deliveries to {Host} until {Until:u} after {Failures} failures in a row: {Error}", group.Key, until, row.ConsecutiveFailures, lastError);
                }
            }

            if (throttledUntil is { } t)
            {
                await c.ExecuteAsync(Throttle, new { Host = group.Key, Until = t, Error = lastError }, tx);
            }
        }

        // Instances that answered: one prepared statement each for the whole batch, not one round per instance
        // (a fan-out to thousands of instances finishes thousands of them in one batch).
        await c.ExecuteAsync(PullForward, alive, tx);
        await c.ExecuteAsync(HostSucceeded, alive, tx);
        await c.ExecuteAsync(NoteRejection, rejections, tx);
    }
}
