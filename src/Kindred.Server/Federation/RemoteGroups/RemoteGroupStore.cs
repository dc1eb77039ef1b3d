using System.Data.Common;
using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.RemoteGroups;

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

    public Uri ActorId => new(ApId);
    public bool IsPublic => Visibility == Group.Public;
}

/// <summary>Remote group rows in <c>groups</c> (origin = host) and the follows our members send them.</summary>
public sealed class RemoteGroupStore(Database db, TimeProvider time)
{
    public static class States
    {
        public const string Pending = "pending";
        public const string Joined = "joined";
        public const string Rejected = "rejected";
    }

    private const string Columns = "id, slug, name, ap_id, origin, inbox, shared_inbox, followers_url, visibility";

    // A group that approves followers by hand is treated as not public: we never address Public when posting to it.
    // It was just fetched, so a 'gone' mark and any refresh back-off no longer hold.
    private const string Upsert = """
        INSERT INTO groups (id, slug, slug_normalized, name, description, rules, visibility, join_policy, join_question, federation,
            ap_id, created_by, created_at, updated_at, origin, inbox, shared_inbox, followers_url, outbox_url, refreshed_at)
        VALUES (@Id, @Slug, @Slug, @Name, @Description, '', @Visibility, @JoinPolicy, NULL, 'federated',
            @ApId, @CreatedBy, @Now, @Now, @Origin, @Inbox, @SharedInbox, @FollowersUrl, @OutboxUrl, @Now)
        ON CONFLICT (ap_id) DO UPDATE SET name = excluded.name, description = excluded.description, visibility = excluded.visibility,
            join_policy = excluded.join_policy, inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
            followers_url = excluded.followers_url, outbox_url = excluded.outbox_url, refreshed_at = excluded.refreshed_at,
            updated_at = excluded.updated_at, gone_at = NULL, refresh_after = NULL, refresh_failures = 0, refresh_error = NULL
        """;

    /// <summary>Creates or refreshes the row for a fetched Group actor under <paramref name="slug"/> (<c>name@host</c>).</summary>
    public async Task<RemoteGroup> UpsertAsync(AsActor actor, string slug, Guid firstMember, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var apId = actor.Id!;
        var now = time.GetUtcNow();
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(Upsert, new
        {
            Id = Ids.New(time),
            Slug = slug.ToLowerInvariant(),
            Name = RemoteText.Plain(actor.Name ?? actor.PreferredUsername ?? slug, GroupRules.MaxNameLength) is { Length: > 0 } n ? n : slug,
            Description = RemoteText.Plain(actor.Summary, GroupRules.MaxDescriptionLength),
            Visibility = actor.ManuallyApprovesFollowers ? Group.MembersOnly : Group.Public,
            JoinPolicy = actor.ManuallyApprovesFollowers ? Group.Approval : Group.Open,
            ApId = apId.AbsoluteUri,
            CreatedBy = firstMember,
            Now = now,
            Origin = Hosts.Authority(apId),
            Inbox = actor.Inbox?.AbsoluteUri,
            SharedInbox = actor.SharedInbox?.AbsoluteUri,
            FollowersUrl = actor.Followers?.AbsoluteUri,
            OutboxUrl = actor.Outbox?.AbsoluteUri,
        });
        return (await FindByApIdAsync(c, null, apId))!;
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
