using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>A group whose home is another server, as far as sending to it and reading from it needs.</summary>
public sealed record RemoteGroup
{
    public Guid Id { get; init; }
    public string Slug { get; init; } = "";
    public string Name { get; init; } = "";
    public string ApId { get; init; } = "";
    public string Origin { get; init; } = "";
    public string? Inbox { get; init; }
    public string? SharedInbox { get; init; }
    public string? FollowersUrl { get; init; }
    public string Visibility { get; init; } = Group.Public;

    /// <summary>Where its recent posts are listed (outbox) and its pinned ones (featured): read by the backfill.</summary>
    public string? OutboxUrl { get; init; }
    public string? FeaturedUrl { get; init; }

    public Uri ActorId => new(ApId);
    public bool IsPublic => Visibility == Group.Public;
}

/// <summary>What a group's home server says about it, in plain text within our limits (Federation converts the Group
/// actor; nothing here reads ActivityStreams).</summary>
public sealed record RemoteGroupProfile
{
    public required Uri ApId { get; init; }
    public required string Name { get; init; }
    public string Description { get; init; } = "";

    /// <summary>A group that approves followers by hand is treated as members-only: we never address Public when posting to it.</summary>
    public bool ApprovesFollowers { get; init; }
    public Uri? Inbox { get; init; }
    public Uri? SharedInbox { get; init; }
    public Uri? Followers { get; init; }
    public Uri? Outbox { get; init; }

    /// <summary>The featured (pinned posts) collection, as Lemmy publishes it.</summary>
    public Uri? Featured { get; init; }
}

/// <summary>
/// The owner of remote group rows in <c>groups</c> (origin = host): stored when a member first joins, refreshed from the
/// group's home, marked gone. Follows our members send them: <see cref="MemberStore"/>.
/// </summary>
public sealed class RemoteGroupStore(Database db, TimeProvider time)
{
    public static class States
    {
        public const string Pending = "pending";
        public const string Joined = "joined";
        public const string Rejected = "rejected";
    }

    private const string Columns = "id, slug, name, ap_id, origin, inbox, shared_inbox, followers_url, visibility, outbox_url, featured_url";

    // A group that approves followers by hand is treated as not public: we never address Public when posting to it.
    // It was just fetched, so a 'gone' mark and any refresh back-off no longer hold.
    private const string Upsert = """
        INSERT INTO groups (id, slug, slug_normalized, name, description, rules, visibility, join_policy, join_question, federation,
            ap_id, created_by, created_at, updated_at, origin, inbox, shared_inbox, followers_url, outbox_url, featured_url, refreshed_at)
        VALUES (@Id, @Slug, @Slug, @Name, @Description, '', @Visibility, @JoinPolicy, NULL, 'federated',
            @ApId, @CreatedBy, @Now, @Now, @Origin, @Inbox, @SharedInbox, @FollowersUrl, @OutboxUrl, @FeaturedUrl, @Now)
        ON CONFLICT (ap_id) DO UPDATE SET name = excluded.name, description = excluded.description, visibility = excluded.visibility,
            join_policy = excluded.join_policy, inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
            followers_url = excluded.followers_url, outbox_url = excluded.outbox_url, featured_url = excluded.featured_url, refreshed_at = excluded.refreshed_at,
            updated_at = excluded.updated_at, gone_at = NULL, refresh_after = NULL, refresh_failures = 0, refresh_error = NULL
        """;

    /// <summary>Creates or refreshes the row for a fetched group under <paramref name="slug"/> (<c>name@host</c>).</summary>
    public async Task<RemoteGroup> UpsertAsync(RemoteGroupProfile profile, string slug, Guid firstMember, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var now = time.GetUtcNow();
        await db.InTransactionAsync((c, tx) => c.ExecuteAsync(Upsert, new
        {
            Id = Ids.New(time),
            Slug = slug.ToLowerInvariant(),
            Name = profile.Name.Length > 0 ? profile.Name : slug,
            profile.Description,
            Visibility = profile.ApprovesFollowers ? Group.MembersOnly : Group.Public,
            JoinPolicy = profile.ApprovesFollowers ? Group.Approval : Group.Open,
            ApId = profile.ApId.AbsoluteUri,
            CreatedBy = firstMember,
            Now = now,
            Origin = Hosts.Authority(profile.ApId),
            Inbox = profile.Inbox?.AbsoluteUri,
            SharedInbox = profile.SharedInbox?.AbsoluteUri,
            FollowersUrl = profile.Followers?.AbsoluteUri,
            OutboxUrl = profile.Outbox?.AbsoluteUri,
            FeaturedUrl = profile.Featured?.AbsoluteUri,
        }, tx), ct);
        return (await FindByApIdAsync(profile.ApId, ct))!;
    }

    // Same mapping as the upsert; a 'gone' mark and any refresh back-off no longer hold.
    private const string Refresh = """
        UPDATE groups SET name = @Name, description = @Description, visibility = @Visibility, join_policy = @JoinPolicy,
            inbox = @Inbox, shared_inbox = @SharedInbox, followers_url = @FollowersUrl, outbox_url = @OutboxUrl, featured_url = @FeaturedUrl,
            refreshed_at = @Now, updated_at = @Now, gone_at = NULL, refresh_after = NULL, refresh_failures = 0, refresh_error = NULL
        WHERE id = @Id AND origin <> 'local'
        """;

    /// <summary>Stores what the group's home says now; false when the row was removed meanwhile.</summary>
    public async Task<bool> RefreshedAsync(Guid id, RemoteGroupProfile profile, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var now = time.GetUtcNow();
        return await db.InTransactionAsync((c, tx) => c.ExecuteAsync(Refresh, new
        {
            Id = id,
            profile.Name,
            profile.Description,
            Visibility = profile.ApprovesFollowers ? Group.MembersOnly : Group.Public,
            JoinPolicy = profile.ApprovesFollowers ? Group.Approval : Group.Open,
            Inbox = profile.Inbox?.AbsoluteUri,
            SharedInbox = profile.SharedInbox?.AbsoluteUri,
            FollowersUrl = profile.Followers?.AbsoluteUri,
            OutboxUrl = profile.Outbox?.AbsoluteUri,
            FeaturedUrl = profile.Featured?.AbsoluteUri,
            Now = now,
        }, tx), ct) > 0;
    }

    // The first time the group answered 404/410 is kept: that is when it went.
    private const string MarkGone = """
        UPDATE groups SET gone_at = COALESCE(gone_at, @now), refresh_after = @next, refresh_failures = refresh_failures + 1, refresh_error = @error
        WHERE id = @id AND origin <> 'local'
        """;

    /// <summary>The group's home says it is gone (404/410): members see it on its page; asked again after <paramref name="recheck"/>.</summary>
    public Task GoneAsync(Guid id, string error, TimeSpan recheck, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        return db.InTransactionAsync((c, tx) => c.ExecuteAsync(MarkGone, new { id, now, next = now + recheck, error }, tx), ct);
    }

    private const string Fail = """
        UPDATE groups SET refresh_failures = refresh_failures + 1, refresh_error = @error
        WHERE id = @id AND origin <> 'local'
        RETURNING refresh_failures
        """;

    private const string Retry = "UPDATE groups SET refresh_after = @next WHERE id = @id AND origin <> 'local'";

    /// <summary>A refresh failed: counts it and sets when to try again from the failure count (<paramref name="backoff"/>).</summary>
    public Task<(int Failures, DateTimeOffset Next)> RefreshFailedAsync(Guid id, string error, Func<int, TimeSpan> backoff, CancellationToken ct)
    {
        var failedAt = time.GetUtcNow();
        return db.InTransactionAsync(async (c, tx) =>
        {
            var n = await c.ExecuteScalarAsync<int>(Fail, new { id, error }, tx);
            var next = failedAt + backoff(n);
            await c.ExecuteAsync(Retry, new { id, next }, tx);
            return (n, next);
        }, ct);
    }

    // Stale groups that someone here joined or asked to join, not leased or backing off. Both engines run the same
    // UPDATE ... RETURNING; PostgreSQL adds FOR UPDATE SKIP LOCKED so several nodes claim disjoint groups, and the lease
    // (refresh_after) keeps a claimed group from the others until this node has written its outcome.
    private const string DueWhere = """
        WHERE g.origin <> 'local' AND (g.refreshed_at IS NULL OR g.refreshed_at < @staleBefore)
            AND (g.refresh_after IS NULL OR g.refresh_after <= @now)
            AND EXISTS (SELECT 1 FROM remote_group_follows f WHERE f.group_id = g.id AND f.state IN ('pending', 'joined'))
        ORDER BY g.refreshed_at LIMIT @max
        """;

    private static readonly string Returning = $"RETURNING {Columns}";

    private static readonly string ClaimSqlite = $"UPDATE groups SET refresh_after = @lease WHERE id IN (SELECT g.id FROM groups g {DueWhere}) {Returning}";
    private static readonly string ClaimPostgres = $"UPDATE groups SET refresh_after = @lease WHERE id IN (SELECT g.id FROM groups g {DueWhere} FOR UPDATE OF g SKIP LOCKED) {Returning}";

    /// <summary>Claims up to <paramref name="max"/> groups not fetched since <paramref name="staleBefore"/>, each for <paramref name="lease"/>.</summary>
    public async Task<IReadOnlyList<RemoteGroup>> ClaimStaleAsync(DateTimeOffset staleBefore, TimeSpan lease, int max, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sql = db.Dialect == Dialect.Postgres ? ClaimPostgres : ClaimSqlite;
        return await db.InTransactionAsync(async (c, tx) =>
            (IReadOnlyList<RemoteGroup>)(await c.QueryAsync<RemoteGroup>(sql, new { now, staleBefore, lease = now + lease, max }, tx)).AsList(), ct);
    }

    private static readonly string ByApId = $"SELECT {Columns} FROM groups WHERE ap_id = @apId AND origin <> 'local'";

    public async Task<RemoteGroup?> FindByApIdAsync(Uri apId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await FindByApIdAsync(c, null, apId);
    }

    public static Task<RemoteGroup?> FindByApIdAsync(DbConnection c, DbTransaction? tx, Uri apId) =>
        c.QuerySingleOrDefaultAsync<RemoteGroup>(ByApId, new { apId = apId.AbsoluteUri }, tx);

    private static readonly string ById = $"SELECT {Columns} FROM groups WHERE id = @id AND origin <> 'local'";

    public async Task<RemoteGroup?> FindByIdAsync(Guid id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<RemoteGroup>(ById, new { id });
    }

    private static readonly string BySlug = $"SELECT {Columns} FROM groups WHERE slug_normalized = @slug AND origin <> 'local'";

    public async Task<RemoteGroup?> FindBySlugAsync(string slug, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<RemoteGroup>(BySlug, new { slug = slug.Trim().ToLowerInvariant() });
    }

    private const string Followed = """
        SELECT COUNT(*) FROM remote_group_follows WHERE group_id = @groupId AND state IN ('pending', 'joined')
        """;

    /// <summary>Whether any member here follows (or asked to follow) the group: only then do we take its Announces.</summary>
    public async Task<bool> IsFollowedAsync(Guid groupId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(Followed, new { groupId }) > 0;
    }

    private const string State = "SELECT state FROM remote_group_follows WHERE group_id = @groupId AND user_id = @userId";

    public async Task<string?> StateAsync(Guid groupId, Guid userId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<string>(State, new { groupId, userId });
    }

    /// <summary>Host with the port when not the default: what <c>origin</c> columns hold for remote rows.</summary>
}
