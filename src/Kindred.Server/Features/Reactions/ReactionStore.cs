using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Reactions;

/// <summary>The thread or reply a reaction is for, with its thread, group, author and ActivityPub id (remote posts).</summary>
public sealed record ReactionTarget
{
    public string Kind { get; init; } = "";
    public Guid Id { get; init; }
    public Guid ThreadId { get; init; }
    public Guid GroupId { get; init; }
    public Guid? AuthorId { get; init; }
    public string? ApId { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }

    public bool IsThread => Kind == "thread";

    /// <summary>What a notification points at: the reply, or nothing more than the thread.</summary>
    public Guid? ReplyId => IsThread ? null : Id;
}

/// <summary>A reaction to store: by a local member (<see cref="UserId"/>) or a remote actor (<see cref="ActorName"/>).</summary>
public sealed record NewReaction
{
    public required string ActivityId { get; init; }
    public required Guid GroupId { get; init; }
    public required string ActorId { get; init; }
    public required string ObjectId { get; init; }
    public required Guid PostId { get; init; }
    public Guid? UserId { get; init; }
    public string? ActorName { get; init; }
    public required DateTimeOffset At { get; init; }
}

/// <summary>How many people reacted to each post of a thread, and whether the viewer did. Only the post's author is
/// ever shown the number (PRODUCT.md principle 4: being heard, not engagement).</summary>
public sealed class ThreadReactions(IReadOnlyDictionary<Guid, ThreadReactions.Row> rows)
{
    public static readonly ThreadReactions None = new(new Dictionary<Guid, Row>());

    public bool Reacted(Guid postId) => rows.TryGetValue(postId, out var r) && r.Mine > 0;

    public long People(Guid postId) => rows.TryGetValue(postId, out var r) ? r.People : 0;

    /// <summary>How many people reacted, for the API: a number only when <paramref name="viewer"/> wrote the post, null
    /// for everyone else (nobody but the author may learn it).</summary>
    public int? CountFor(Guid postId, Guid? authorId, Guid viewer) =>
        authorId is { } author && author == viewer && viewer != Guid.Empty ? (int)People(postId) : null;

    public sealed record Row
    {
        public Guid PostId { get; init; }
        public long People { get; init; }
        public long Mine { get; init; }
    }
}

/// <summary>
/// The SQL of reactions, on the caller's connection and transaction. Reactions live in <c>post_likes</c>, the table
/// remote Likes were already kept in: one row per (actor, post), keyed by the Like's activity id.
/// </summary>
public static class ReactionStore
{
    private const string Target = """
        SELECT 'thread' AS kind, t.id, t.id AS thread_id, t.group_id, t.author_id, t.ap_id, t.deleted_at FROM threads t WHERE t.id = @id
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.thread_id, t.group_id, r.author_id, r.ap_id, r.deleted_at
        FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.id = @id
        """;

    public static Task<ReactionTarget?> TargetAsync(DbConnection c, DbTransaction? tx, Guid postId) =>
        c.QuerySingleOrDefaultAsync<ReactionTarget>(Target, new { id = postId }, tx);

    private const string Insert = """
        INSERT INTO post_likes (activity_id, group_id, actor_id, object_id, post_id, user_id, actor_name, created_at)
        VALUES (@ActivityId, @GroupId, @ActorId, @ObjectId, @PostId, @UserId, @ActorName, @At)
        ON CONFLICT DO NOTHING
        """;

    /// <summary>True when stored now; false when this actor had already reacted to the post (or the Like was seen before).</summary>
    public static async Task<bool> AddAsync(DbConnection c, DbTransaction tx, NewReaction reaction) =>
        await c.ExecuteAsync(Insert, reaction, tx) > 0;

    private const string OfMember = "SELECT activity_id FROM post_likes WHERE user_id = @userId AND post_id = @postId";

    /// <summary>The activity id of the member's reaction to the post, or null.</summary>
    public static Task<string?> OfMemberAsync(DbConnection c, DbTransaction? tx, Guid userId, Guid postId) =>
        c.QuerySingleOrDefaultAsync<string?>(OfMember, new { userId, postId }, tx);

    private const string RemoveMember = "DELETE FROM post_likes WHERE user_id = @userId AND post_id = @postId RETURNING activity_id";

    /// <summary>Takes back a member's reaction; returns the activity ids removed (none when there was nothing to take back).</summary>
    public static async Task<IReadOnlyList<string>> RemoveMemberAsync(DbConnection c, DbTransaction tx, Guid userId, Guid postId) =>
        (await c.QueryAsync<string>(RemoveMember, new { userId, postId }, tx)).ToList();

    private const string RemoveRemote = """
        DELETE FROM post_likes WHERE actor_id = @actor AND (activity_id = @likeId OR object_id = @objectId) RETURNING activity_id
        """;

    /// <summary>Undo(Like) from another server: matched by the Like's id, or by actor and liked object.</summary>
    public static async Task<IReadOnlyList<string>> RemoveRemoteAsync(DbConnection c, DbTransaction tx, Uri actor, Uri? likeId, Uri? objectId) =>
        (await c.QueryAsync<string>(RemoveRemote, new { actor = actor.AbsoluteUri, likeId = likeId?.AbsoluteUri ?? "", objectId = objectId?.AbsoluteUri ?? "" }, tx)).ToList();

    private const string OnThread = """
        SELECT post_id, COUNT(*) AS people, SUM(CASE WHEN user_id = @viewer THEN 1 ELSE 0 END) AS mine
        FROM post_likes
        WHERE post_id = @threadId OR post_id IN (SELECT id FROM replies WHERE thread_id = @threadId)
        GROUP BY post_id
        """;

    /// <summary>Reactions to a thread and all its replies in one query.</summary>
    public static async Task<ThreadReactions> OnThreadAsync(DbConnection c, Guid threadId, Guid viewer)
    {
        var rows = await c.QueryAsync<ThreadReactions.Row>(OnThread, new { threadId, viewer });
        return new ThreadReactions(rows.ToDictionary(r => r.PostId));
    }

    // A page of posts in one query (no query per post): PostgreSQL gets the ids as one array, SQLite as an expanded list.
    private const string OnPostsPostgres = """
        SELECT post_id, COUNT(*) AS people, SUM(CASE WHEN user_id = @viewer THEN 1 ELSE 0 END) AS mine
        FROM post_likes WHERE post_id = ANY(@ids) GROUP BY post_id
        """;

    private const string OnPostsSqlite = """
        SELECT post_id, COUNT(*) AS people, SUM(CASE WHEN user_id = @viewer THEN 1 ELSE 0 END) AS mine
        FROM post_likes WHERE post_id IN @ids GROUP BY post_id
        """;

    /// <summary>Reactions to the given threads and replies (e.g. one page of an API listing) in one query.</summary>
    public static async Task<ThreadReactions> OnPostsAsync(Database db, IReadOnlyCollection<Guid> postIds, Guid viewer, CancellationToken ct = default)
    {
        if (postIds.Count == 0)
        {
            return ThreadReactions.None;
        }

        await using var c = await db.OpenAsync(ct);
        var rows = db.Dialect == Dialect.Postgres
            ? await c.QueryAsync<ThreadReactions.Row>(new CommandDefinition(OnPostsPostgres, new { ids = postIds.ToArray(), viewer }, cancellationToken: ct))
            : await c.QueryAsync<ThreadReactions.Row>(new CommandDefinition(OnPostsSqlite,
                new { ids = postIds.Select(id => id.ToString("D")).ToArray(), viewer }, cancellationToken: ct));
        return new ThreadReactions(rows.ToDictionary(r => r.PostId));
    }

    /// <summary>The words shown to a post's author, and to nobody else.</summary>
    public static string? HeardText(long people) => people switch
    {
        <= 0 => null,
        1 => "1 person said they hear you",
        _ => $"{people} people said they hear you",
    };
}
