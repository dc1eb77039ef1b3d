using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Notifications;

public static class NotificationKinds
{
    public const string Reply = "reply";
    public const string JoinApproved = "join_approved";
    public const string JoinDeclined = "join_declined";
    public const string Invited = "invited";

    /// <summary>Someone said "I hear you" to your thread or reply.</summary>
    public const string Reaction = "reaction";

    /// <summary>For a group's moderators (or the admins): someone reported a post or a person. Never names the reporter.</summary>
    public const string Report = "report";

    /// <summary>For a group's moderators: enough members reported a post that it is hidden until one of them looks at it.</summary>
    public const string ReportHidden = "report_hidden";
    /// <summary>Moderators removed or restored your post; the body holds their reason. Moderators are never named.</summary>
    public const string PostRemoved = "post_removed";
    public const string PostRestored = "post_restored";

    /// <summary>A moderator's private warning, in their words (body), without their name.</summary>
    public const string Warning = "warning";
    public const string Banned = "banned";
    public const string Unbanned = "unbanned";
    public const string RemovedFromGroup = "removed_from_group";

    /// <summary>The member's data export is ready to download (no group).</summary>
    public const string ExportReady = "export_ready";
}

/// <summary>A notification with what is needed to show it, read in the same query (no lookups per row).</summary>
public sealed record NotificationView
{
    public Guid Id { get; init; }
    public string Kind { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ReadAt { get; init; }
    public Guid? ThreadId { get; init; }
    public Guid? ReplyId { get; init; }
    public string? ThreadTitle { get; init; }
    public string? GroupSlug { get; init; }
    public string? GroupName { get; init; }
    public string? ActorName { get; init; }

    /// <summary>The moderator's words (a removal's reason, a warning), for the person notified only.</summary>
    public string? Body { get; init; }
}

/// <summary>
/// "Someone answered you" and "your join request was decided": written in the transaction of the thing that
/// caused them, so a notification never points at something that was rolled back.
/// </summary>
public sealed class Notifications(Database db, TimeProvider time)
{
    private const string Insert = """
        INSERT INTO notifications (id, user_id, kind, group_id, thread_id, reply_id, actor_id, actor_name, source_id, body, created_at)
        VALUES (@id, @userId, @kind, @groupId, @threadId, @replyId, @actorId, @actorName, @sourceId, @body, @at)
        """;

    /// <summary>Adds a notification. <paramref name="actorName"/> names a remote actor (local ones are <paramref name="actorId"/>);
    /// <paramref name="sourceId"/> is what caused it (a reaction's activity id) so <see cref="RemoveBySourceAsync"/> can take it back;
    /// <paramref name="body"/> is a moderator's words (shown to this person only).</summary>
    public async Task AddAsync(DbConnection c, DbTransaction tx, Guid userId, string kind, Guid? groupId, Guid? threadId = null,
        Guid? replyId = null, Guid? actorId = null, string? actorName = null, string? sourceId = null, string? body = null) =>
        await c.ExecuteAsync(Insert, new { id = Ids.New(time), userId, kind, groupId, threadId, replyId, actorId, actorName, sourceId, body, at = time.GetUtcNow() }, tx);

    /// <summary>Adds a notification about the member's own account (no group, thread or actor), e.g. "your export is ready".</summary>
    public async Task AddForAccountAsync(DbConnection c, DbTransaction tx, Guid userId, string kind) =>
        await c.ExecuteAsync(Insert, new { id = Ids.New(time), userId, kind, groupId = (Guid?)null, threadId = (Guid?)null, replyId = (Guid?)null,
            actorId = (Guid?)null, actorName = (string?)null, sourceId = (string?)null, body = (string?)null, at = time.GetUtcNow() }, tx);

    private const string RemoveBySource = "DELETE FROM notifications WHERE source_id = @sourceId";

    /// <summary>A reaction taken back takes its notification with it, read or not.</summary>
    public static async Task RemoveBySourceAsync(DbConnection c, DbTransaction tx, IEnumerable<string> sourceIds)
    {
        foreach (var sourceId in sourceIds)
        {
            await c.ExecuteAsync(RemoveBySource, new { sourceId }, tx);
        }
    }

    private const string List = """
        SELECT n.id, n.kind, n.created_at, n.read_at, n.thread_id, n.reply_id, n.body,
            t.title AS thread_title, g.slug AS group_slug, g.name AS group_name,
            COALESCE(a.username, n.actor_name, r.remote_author_name) AS actor_name
        FROM notifications n
            LEFT JOIN threads t ON t.id = n.thread_id
            LEFT JOIN groups g ON g.id = n.group_id
            LEFT JOIN users a ON a.id = n.actor_id
            LEFT JOIN replies r ON r.id = n.reply_id AND n.kind = 'reply'
        WHERE n.user_id = @userId AND n.id < @before
        ORDER BY n.id DESC
        LIMIT @limit
        """;

    /// <summary>Newest first, keyset on the (time-ordered) id.</summary>
    public async Task<Page<NotificationView>> ListAsync(Guid userId, string? before, int size = 30, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<NotificationView>(List, new { userId, before = Cursors.Before(before), limit = size + 1 })).ToList();
        return Page<NotificationView>.From(rows, size, n => n.Id.ToString());
    }

    private const string Unread = "SELECT COUNT(*) FROM notifications WHERE user_id = @userId AND read_at IS NULL";

    public async Task<long> UnreadCountAsync(Guid userId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(Unread, new { userId });
    }

    private const string MarkRead = "UPDATE notifications SET read_at = @at WHERE user_id = @userId AND read_at IS NULL";

    public async Task MarkAllReadAsync(Guid userId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(MarkRead, new { userId, at = time.GetUtcNow() });
    }
}
