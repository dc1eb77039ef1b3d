using System.Data.Common;
using Dapper;
using Kindred.Server.Features.Groups;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Moderation;

/// <summary>A post a moderator acts on: the post, its group and what the acting person may do there, read in one query.</summary>
public sealed record ModeratedPost
{
    public string Kind { get; init; } = "";
    public Guid Id { get; init; }
    public Guid ThreadId { get; init; }
    public Guid GroupId { get; init; }
    public string GroupSlug { get; init; } = "";
    public string GroupVisibility { get; init; } = Group.Public;
    public string GroupOrigin { get; init; } = "local";
    public Guid? AuthorId { get; init; }
    public string? RemoteAuthor { get; init; }
    public string? AuthorName { get; init; }
    public string ThreadTitle { get; init; } = "";
    public DateTimeOffset? DeletedAt { get; init; }
    public DateTimeOffset? RemovedAt { get; init; }
    public string? ViewerGroupRole { get; init; }
    public string? ViewerRole { get; init; }

    public bool IsThread => Kind == "thread";
    public bool ViewerIsAdmin => ViewerRole == Roles.Admin;
    public bool ViewerMayModerate => GroupRoles.CanModerate(ViewerGroupRole) || ViewerIsAdmin;

    /// <summary>What the log shows: "reply by name in “title”".</summary>
    public string Label => (IsThread ? "Thread" : "Reply") + $" by {AuthorName ?? "a former member"} in “{ThreadTitle}”";
}

/// <summary>
/// Who may moderate what, one rule for every moderator action: the group's moderators and owner, and the instance's
/// admins, moderate groups hosted here. Unknown posts, and posts in groups the person cannot see, are 404 (a hidden
/// group is never confirmed); everyone else gets 403 with what they may not do.
/// </summary>
public static class ModerationTarget
{
    private const string Find = """
        SELECT 'thread' AS kind, t.id, t.id AS thread_id, t.group_id, g.slug AS group_slug, g.visibility AS group_visibility,
            g.origin AS group_origin, t.author_id, t.remote_author, COALESCE(u.username, t.remote_author_name) AS author_name,
            t.title AS thread_title, t.deleted_at, t.removed_at, m.role AS viewer_group_role, v.role AS viewer_role
        FROM threads t JOIN groups g ON g.id = t.group_id
            LEFT JOIN users u ON u.id = t.author_id
            LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
            LEFT JOIN users v ON v.id = @viewer
        WHERE t.id = @id
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.thread_id, t.group_id, g.slug AS group_slug, g.visibility AS group_visibility,
            g.origin AS group_origin, r.author_id, r.remote_author, COALESCE(u.username, r.remote_author_name) AS author_name,
            t.title AS thread_title, r.deleted_at, r.removed_at, m.role AS viewer_group_role, v.role AS viewer_role
        FROM replies r JOIN threads t ON t.id = r.thread_id JOIN groups g ON g.id = t.group_id
            LEFT JOIN users u ON u.id = r.author_id
            LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
            LEFT JOIN users v ON v.id = @viewer
        WHERE r.id = @id
        """;

    public static async Task<Outcome<ModeratedPost>> PostAsync(DbConnection c, DbTransaction? tx, Guid id, Guid viewer, string action)
    {
        var post = await c.QuerySingleOrDefaultAsync<ModeratedPost>(Find, new { id, viewer }, tx);
        if (post is null || post.DeletedAt is not null
            || (post.GroupVisibility != Group.Public && post.ViewerGroupRole is null && !post.ViewerIsAdmin)
            || (post.GroupOrigin != "local" && post.ViewerGroupRole is null))
        {
            return Outcome<ModeratedPost>.NotFound("There is no such post, or you cannot see it.");
        }

        if (post.GroupOrigin != "local")
        {
            return Outcome<ModeratedPost>.Forbidden($"This group is hosted on {post.GroupOrigin}; only its moderators there can {action}.");
        }

        return post.ViewerMayModerate
            ? Outcome<ModeratedPost>.Success(post)
            : Outcome<ModeratedPost>.Forbidden($"Only the group's moderators can {action}.");
    }
}
