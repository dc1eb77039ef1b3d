using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.DependencyInjection;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// Retention (issue 20): processed inbox activities (raw bodies from other servers) and cached remote actors nothing
/// uses are deleted after the configured number of days; pending activities and actors still in use are kept.
/// </summary>
public abstract class RetentionTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private async Task ExecAsync(string sql, object? args = null)
    {
        await using var c = await fixture.Server.Get<Database>().OpenAsync();
        await c.ExecuteAsync(sql, args);
    }

    private async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var c = await fixture.Server.Get<Database>().OpenAsync();
        return await c.ExecuteScalarAsync<long>(sql, args);
    }

    private Task AddActivityAsync(string status, DateTimeOffset receivedAt, string tag) => ExecAsync("""
        INSERT INTO inbox_activities (id, activity_id, actor_id, activity_type, object_type, inbox, key_id, body, received_at, status, attempts, next_attempt_at)
        VALUES (@id, @activityId, 'https://peer.example/u/a', 'Create', 'Note', '/inbox', 'https://peer.example/u/a#key', '{}', @receivedAt, @status, 1, @receivedAt)
        """, new { id = Guid.NewGuid(), activityId = $"https://peer.example/activities/{tag}", receivedAt, status });

    private Task AddActorAsync(string id, DateTimeOffset fetchedAt) => ExecAsync("""
        INSERT INTO remote_actors (id, actor_type, preferred_username, inbox, shared_inbox, document, fetched_at, expires_at)
        VALUES (@id, 'Person', 'someone', @inbox, NULL, '{}', @fetchedAt, @fetchedAt);
        INSERT INTO remote_keys (key_id, actor_id, format, public_key, fetched_at) VALUES (@keyId, @id, 'pem', 'k', @fetchedAt);
        """, new { id, inbox = id + "/inbox", keyId = id + "#main-key", fetchedAt });

    [Fact]
    public async Task Old_processed_activities_and_unused_actors_go_while_pending_work_and_actors_in_use_stay()
    {
        var tag = Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.UtcNow;
        var old = now.AddDays(-40);
        await AddActivityAsync("done", old, tag + "-old-done");
        await AddActivityAsync("failed", old, tag + "-old-failed");
        await AddActivityAsync("pending", old, tag + "-old-pending");
        await AddActivityAsync("done", now.AddDays(-1), tag + "-recent-done");

        var unused = $"https://old-{tag}.example/u/gone-quiet";
        var follower = $"https://old-{tag}.example/u/follows-us";
        var recent = $"https://new-{tag}.example/u/just-fetched";
        await AddActorAsync(unused, old);
        await AddActorAsync(follower, old);
        await AddActorAsync(recent, now.AddDays(-2));
        await ExecAsync("""
            INSERT INTO remote_followers (local_actor_id, follower_id, follow_activity_id, inbox, shared_inbox, created_at)
            VALUES ('https://here.example/instance', @follower, @followId, @inbox, NULL, @now)
            """, new { follower, followId = follower + "/follow", inbox = follower + "/inbox", now });

        var (activities, actors) = await fixture.Server.Get<FederationRetention>().RunAsync(TestContext.Current.CancellationToken);

        Assert.True(activities >= 2, $"deleted {activities} activities");
        Assert.True(actors >= 1, $"deleted {actors} actors");
        var left = (await QueryAsync("SELECT activity_id FROM inbox_activities WHERE activity_id LIKE @p", new { p = $"%/{tag}-%" })).ToHashSet();
        Assert.Equal(new HashSet<string> { $"https://peer.example/activities/{tag}-old-pending", $"https://peer.example/activities/{tag}-recent-done" }, left);

        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM remote_actors WHERE id = @unused", new { unused }));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM remote_keys WHERE actor_id = @unused", new { unused }));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM remote_actors WHERE id = @follower", new { follower }));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM remote_keys WHERE actor_id = @follower", new { follower }));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM remote_actors WHERE id = @recent", new { recent }));
    }

    [Fact]
    public async Task Retention_is_a_recurring_job_on_the_job_queue()
    {
        var handlers = fixture.Server.Services.GetServices<Kindred.Server.Data.Jobs.JobHandler>();
        var retention = Assert.Single(handlers, h => h.Kind == FederationRetention.Job);
        Assert.NotNull(retention.Every);
        // The worker keeps exactly one queued, due one period after start.
        await Eventually.UntilAsync("the retention job is scheduled", async () =>
            await CountAsync("SELECT COUNT(*) FROM jobs WHERE kind = @kind AND state = 'queued'", new { kind = FederationRetention.Job }) == 1);
    }

    private async Task<IEnumerable<string>> QueryAsync(string sql, object args)
    {
        await using var c = await fixture.Server.Get<Database>().OpenAsync();
        return await c.QueryAsync<string>(sql, args);
    }
}

public sealed class RetentionTestsOnSqlite(SqliteServer f) : RetentionTests<SqliteServer>(f);

public sealed class RetentionTestsOnPostgres(PostgresServer f) : RetentionTests<PostgresServer>(f);
