using System.Data.Common;
using Dapper;
using Kindred.Server.Content;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Outbox;

/// <summary>A group's thread or reply read for federation: the group, the post as the outbox factory needs it, and
/// whether it is deleted (or removed by moderators: not served while removed) or came from another server.</summary>
public sealed record GroupPost(GroupActorRow Group, OutboxPost Post, bool IsLocal, bool IsDeleted, Uri? Author, bool IsRemoved = false);

/// <summary>Reads threads and replies (local or remote) as <see cref="GroupPost"/>s, on the caller's connection.</summary>
public sealed class LocalPosts(ActorUrls urls, SafeHtml safe)
{
    private const string Find = """
        SELECT 'thread' AS kind, t.id, t.id AS thread_id, t.group_id, t.title, t.content, t.content_warning, t.created_at, t.edited_at,
            t.deleted_at, t.removed_at, t.origin, t.ap_id, t.remote_author, u.username AS author_name, t.ap_id AS thread_ap_id, NULL AS parent_id, NULL AS parent_ap_id
        FROM threads t LEFT JOIN users u ON u.id = t.author_id
        WHERE t.id = @id
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.thread_id, t.group_id, '' AS title, r.content, r.content_warning, r.created_at, r.edited_at,
            r.deleted_at, r.removed_at, r.origin, r.ap_id, r.remote_author, u.username AS author_name, t.ap_id AS thread_ap_id, p.id AS parent_id, p.ap_id AS parent_ap_id
        FROM replies r JOIN threads t ON t.id = r.thread_id LEFT JOIN users u ON u.id = r.author_id LEFT JOIN replies p ON p.id = r.in_reply_to
        WHERE r.id = @id
        """;

    public async Task<GroupPost?> FindAsync(DbConnection c, DbTransaction? tx, Guid postId)
    {
        var row = await c.QuerySingleOrDefaultAsync<Row>(Find, new { id = postId }, tx);
        if (row is null)
        {
            return null;
        }

        var group = await c.QuerySingleAsync<GroupActorRow>(GroupActor.ByIdAnyOrigin, new { id = row.GroupId }, tx);
        var isThread = row.Kind == "thread";
        var id = row.ApId is { } apId ? new Uri(apId) : isThread ? urls.Thread(row.Id) : urls.Reply(row.Id);
        var threadId = row.ThreadApId is { } t ? new Uri(t) : urls.Thread(row.ThreadId);
        Uri? author = row.AuthorName is { } name ? urls.User(name) : row.RemoteAuthor is { } remote ? new Uri(remote) : null;
        var post = new OutboxPost
        {
            Id = id,
            // An erased account's posts are attributed to the group, never to nobody.
            Author = author ?? urls.Group(group.Slug),
            Context = threadId,
            Title = isThread ? row.Title : null,
            InReplyTo = isThread ? null : row.ParentId is { } parent ? (row.ParentApId is { } pa ? new Uri(pa) : urls.Reply(parent)) : threadId,
            ContentHtml = row.Origin == "local" ? safe.FromMarkdown(row.Content).Value : safe.Sanitize(row.Content).Value,
            SourceMarkdown = row.Origin == "local" ? row.Content : null,
            ContentWarning = row.ContentWarning,
            Url = urls.Thread(row.ThreadId),
            Published = row.CreatedAt,
            Updated = row.EditedAt,
        };
        return new GroupPost(group, post, row.Origin == "local", row.DeletedAt is not null, author, row.RemovedAt is not null);
    }

    private sealed record Row
    {
        public string Kind { get; init; } = "";
        public Guid Id { get; init; }
        public Guid ThreadId { get; init; }
        public Guid GroupId { get; init; }
        public string Title { get; init; } = "";
        public string Content { get; init; } = "";
        public string? ContentWarning { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset? EditedAt { get; init; }
        public DateTimeOffset? DeletedAt { get; init; }
        public DateTimeOffset? RemovedAt { get; init; }
        public string Origin { get; init; } = "local";
        public string? ApId { get; init; }
        public string? RemoteAuthor { get; init; }
        public string? AuthorName { get; init; }
        public string? ThreadApId { get; init; }
        public Guid? ParentId { get; init; }
        public string? ParentApId { get; init; }
    }
}
