using System.Data.Common;
using Dapper;
using Kindred.Server.Features.Groups;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>A thread or reply by id (ids are unique across both), with what edit and delete need to decide.</summary>
internal sealed record PostRow
{
    public string Kind { get; init; } = "";
    public Guid Id { get; init; }
    public Guid ThreadId { get; init; }
    public Guid? AuthorId { get; init; }
    public string Title { get; init; } = "";
    public string Content { get; init; } = "";
    public string? ContentWarning { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }
    public string Visibility { get; init; } = Group.Public;
    public string? ViewerRole { get; init; }
    public string GroupOrigin { get; init; } = "local";

    public bool IsThread => Kind == "thread";
    public PostRef Ref => new(Id, ThreadId, IsThread);
}

internal static class PostLookup
{
    private const string Find = """
        SELECT 'thread' AS kind, t.id, t.id AS thread_id, t.author_id, t.title, t.content, t.content_warning, t.deleted_at,
            g.visibility, g.origin AS group_origin, m.role AS viewer_role
        FROM threads t JOIN groups g ON g.id = t.group_id
            LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
        WHERE t.id = @id
        UNION ALL
        SELECT 'reply' AS kind, r.id, r.thread_id, r.author_id, '' AS title, r.content, r.content_warning, r.deleted_at,
            g.visibility, g.origin AS group_origin, m.role AS viewer_role
        FROM replies r JOIN threads t ON t.id = r.thread_id JOIN groups g ON g.id = t.group_id
            LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
        WHERE r.id = @id
        """;

    /// <summary>The post, or a 404/403 outcome: unknown or unreadable posts are 404, other people's posts 403, deleted posts 404.</summary>
    public static async Task<Outcome<PostRow>> FindOwnAsync(DbConnection c, DbTransaction? tx, Guid id, Guid viewer)
    {
        var post = await c.QuerySingleOrDefaultAsync<PostRow>(Find, new { id, viewer }, tx);
        if (post is null || ((post.Visibility != Group.Public || post.GroupOrigin != "local") && post.ViewerRole is null) || post.DeletedAt is not null)
        {
            return Outcome<PostRow>.NotFound();
        }

        return post.AuthorId == viewer ? Outcome<PostRow>.Success(post) : Outcome<PostRow>.Forbidden("You can only change your own posts.");
    }
}
