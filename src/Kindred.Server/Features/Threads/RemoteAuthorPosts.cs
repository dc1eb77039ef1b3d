using System.Data.Common;
using Dapper;

namespace Kindred.Server.Features.Threads;

/// <summary>
/// A person on another server deleted their account (Delete of the Person, issue 14): every thread and reply of theirs
/// held here is erased the way an author's own delete is (<see cref="PostStore.EraseAsync"/>: tombstones keep threads
/// readable). Optionally only in one group (a group's Announce of the Delete speaks for that group only).
/// </summary>
public static class RemoteAuthorPosts
{
    // {group} is empty, or limits both halves to one group (PostgreSQL cannot type "@groupId IS NULL").
    private const string FindTemplate = """
        SELECT t.id AS id, t.id AS thread_id, 1 AS is_thread_flag FROM threads t
        WHERE t.remote_author = @actor AND t.author_id IS NULL AND t.deleted_at IS NULL {group}
        UNION ALL
        SELECT r.id AS id, r.thread_id AS thread_id, 0 AS is_thread_flag FROM replies r JOIN threads t ON t.id = r.thread_id
        WHERE r.remote_author = @actor AND r.author_id IS NULL AND r.deleted_at IS NULL {group}
        """;

    private static readonly string FindAll = FindTemplate.Replace("{group}", "", StringComparison.Ordinal);
    private static readonly string FindInGroup = FindTemplate.Replace("{group}", "AND t.group_id = @groupId", StringComparison.Ordinal);

    /// <summary>Erases the actor's posts; returns how many were erased.</summary>
    public static async Task<int> EraseAllAsync(DbConnection c, DbTransaction tx, PostStore posts, Uri actor, Guid? groupId = null)
    {
        ArgumentNullException.ThrowIfNull(posts);
        ArgumentNullException.ThrowIfNull(actor);
        var erased = 0;
        foreach (var p in await c.QueryAsync<Row>(groupId is null ? FindAll : FindInGroup, new { actor = actor.AbsoluteUri, groupId }, tx))
        {
            if (await posts.EraseAsync(c, tx, p.Id, p.ThreadId, p.IsThreadFlag == 1))
            {
                erased++;
            }
        }

        return erased;
    }

    private sealed record Row
    {
        public Guid Id { get; init; }
        public Guid ThreadId { get; init; }
        public long IsThreadFlag { get; init; }
    }
}
