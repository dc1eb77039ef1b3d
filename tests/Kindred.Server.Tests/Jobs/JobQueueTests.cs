using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Data.Jobs;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kindred.Server.Tests.Jobs;

/// <summary>
/// The one job queue on both databases, on a fake clock: jobs are written in the caller's transaction, claimed once,
/// retried on the shared backoff, given up with their reason, reclaimed when a node's lease runs out, deduplicated by
/// key, and recurring kinds keep exactly one run queued. Each test uses its own job kinds, so the server's own worker
/// (which only claims the kinds it has handlers for) never touches them.
/// </summary>
public abstract class JobQueueTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly JobSignal _signal = new();
    private readonly string _kind = "test." + Guid.NewGuid().ToString("N");

    private Database Db => fixture.Server.Get<Database>();

    private JobQueue Queue => new(Db, _signal, _time);

    private Task<bool> EnqueueAsync(string? dedupeKey = null, DateTimeOffset? runAt = null, int maxAttempts = 10) =>
        Db.InTransactionAsync((c, tx) => Queue.EnqueueAsync(c, tx, _kind, "payload-1", dedupeKey, runAt, maxAttempts));

    private Task<IReadOnlyList<Job>> ClaimAsync(string owner = "node-a", TimeSpan? lease = null) =>
        Queue.ClaimAsync([_kind], owner, 10, lease ?? TimeSpan.FromMinutes(10), CancellationToken.None);

    private async Task<(string State, string? LastError, int Attempts)> RowAsync(Guid id)
    {
        await using var c = await Db.OpenAsync();
        var row = await c.QuerySingleAsync<JobRow>("SELECT state, last_error, attempts FROM jobs WHERE id = @id", new { id });
        return (row.State, row.LastError, row.Attempts);
    }

    private sealed record JobRow
    {
        public string State { get; init; } = "";
        public string? LastError { get; init; }
        public int Attempts { get; init; }
    }

    [Fact]
    public async Task A_job_is_written_with_its_transaction_and_claimed_once()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(() => Db.InTransactionAsync(async (c, tx) =>
        {
            await Queue.EnqueueAsync(c, tx, _kind, "rolled back");
            throw new InvalidOperationException("the caller's change failed");
        }));
        Assert.Empty(await ClaimAsync());

        Assert.True(await EnqueueAsync());
        var job = Assert.Single(await ClaimAsync());
        Assert.Equal(("payload-1", 1), (job.Payload, job.Attempts));
        Assert.Empty(await ClaimAsync("node-b"));

        await Queue.CompleteAsync(job.Id, CancellationToken.None);
        Assert.Equal("done", (await RowAsync(job.Id)).State);
    }

    [Fact]
    public async Task The_worker_is_woken_when_the_transaction_commits()
    {
        var waiting = _signal.WaitAsync(TimeSpan.FromDays(1), _time, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await EnqueueAsync();
        // Woken by the commit, not by the (fake, never advanced) clock; the real-time bound only stops a hang.
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_job_waits_for_its_time()
    {
        await EnqueueAsync(runAt: _time.GetUtcNow().AddMinutes(5));
        Assert.Empty(await ClaimAsync());
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(await ClaimAsync());
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_on_the_shared_backoff_then_given_up_with_its_reason()
    {
        await EnqueueAsync(maxAttempts: 2);
        var first = Assert.Single(await ClaimAsync());
        Assert.Equal("queued", await Queue.FailAsync(first, "smtp: 451 try later", permanent: false, CancellationToken.None));
        Assert.Empty(await ClaimAsync());

        // Backoff.After(1, 30 s, ...) is between 15 and 30 s.
        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Empty(await ClaimAsync());
        _time.Advance(TimeSpan.FromSeconds(16));
        var second = Assert.Single(await ClaimAsync());
        Assert.Equal(2, second.Attempts);

        Assert.Equal("failed", await Queue.FailAsync(second, "smtp: 451 try later", permanent: false, CancellationToken.None));
        _time.Advance(TimeSpan.FromDays(1));
        Assert.Empty(await ClaimAsync());
        Assert.Equal(("failed", "smtp: 451 try later", 2), await RowAsync(second.Id));
    }

    [Fact]
    public async Task A_lease_that_runs_out_is_claimed_by_another_node()
    {
        await EnqueueAsync();
        var job = Assert.Single(await ClaimAsync("node-a", TimeSpan.FromMinutes(1)));
        Assert.Empty(await ClaimAsync("node-b"));
        _time.Advance(TimeSpan.FromMinutes(2));
        var again = Assert.Single(await ClaimAsync("node-b"));
        Assert.Equal((job.Id, 2), (again.Id, again.Attempts));
    }

    [Fact]
    public async Task A_dedupe_key_allows_one_pending_job()
    {
        Assert.True(await EnqueueAsync("group-1"));
        Assert.False(await EnqueueAsync("group-1"));
        Assert.True(await EnqueueAsync("group-2"));
        var jobs = await ClaimAsync();
        Assert.Equal(2, jobs.Count);
        Assert.False(await EnqueueAsync("group-1")); // still running
        foreach (var job in jobs)
        {
            await Queue.CompleteAsync(job.Id, CancellationToken.None);
        }

        Assert.True(await EnqueueAsync("group-1"));
    }

    [Fact]
    public async Task Nodes_claiming_at_once_never_get_the_same_job()
    {
        for (var i = 0; i < 30; i++)
        {
            await EnqueueAsync();
        }

        var claims = await Task.WhenAll(Enumerable.Range(0, 6).Select(n => Queue.ClaimAsync([_kind], $"node-{n}", 10, TimeSpan.FromMinutes(10), CancellationToken.None)));
        var ids = claims.SelectMany(c => c).Select(j => j.Id).ToList();
        Assert.Equal(30, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task The_worker_fails_a_permanent_error_at_once_and_keeps_one_recurring_run_queued()
    {
        var runs = 0;
        var worker = new JobWorker(Db, Queue, _signal,
            [new JobHandler(_kind, (_, _) => { runs++; throw new PermanentJobFailureException("the group is gone"); }, Every: TimeSpan.FromMinutes(5))],
            _time, NullLogger<JobWorker>.Instance);
        await EnqueueAsync(maxAttempts: 10);
        var job = Assert.Single(await ClaimAsync());
        await worker.RunAsync(job, CancellationToken.None);
        Assert.Equal(1, runs);
        Assert.Equal(("failed", "PermanentJobFailureException: the group is gone", 1), await RowAsync(job.Id));

        // The next run of a recurring kind is queued one period later, and only one.
        Assert.Empty(await ClaimAsync());
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single(await ClaimAsync());
    }
}

public sealed class JobQueueTestsOnSqlite(SqliteServer f) : JobQueueTests<SqliteServer>(f);

public sealed class JobQueueTestsOnPostgres(PostgresServer f) : JobQueueTests<PostgresServer>(f);
