using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Threads;

/// <summary>
/// Reading threads and replies. Every page is a fixed number of queries: one for the thread (with its group and
/// the viewer's role), one for a page of top-level replies, one for everything that answers them.
/// </summary>
public sealed class ThreadQueries(Database db)
{
    private const string ById = """
        SELECT t.id, t.group_id, g.slug AS group_slug, g.name AS group_name, g.visibility AS group_visibility,
            g.federation AS group_federation, g.origin AS group_origin, m.role AS viewer_role, t.author_id,
            COALESCE(u.username, t.remote_author_name) AS author_name, am.label AS author_label, t.origin, t.title, t.content, t.content_warning, t.reply_count, t.answered_at, t.pinned_at, t.locked_at,
            t.created_at, t.edited_at, t.deleted_at, t.hidden_at, t.removed_at, t.removal_reason, t.removal_public
        FROM threads t
            JOIN groups g ON g.id = t.group_id
            LEFT JOIN group_members m ON m.group_id = t.group_id AND m.user_id = @viewer
            LEFT JOIN users u ON u.id = t.author_id
            LEFT JOIN group_members am ON am.group_id = t.group_id AND am.user_id = t.author_id
        WHERE t.id = @id
        """;

    public const string HiddenTitle = "Hidden while the moderators look at it";

    /// <summary>The thread when <paramref name="viewer"/> may read it; null when unknown or in a members-only group they are not in.</summary>
    public async Task<ThreadView?> FindAsync(Guid id, Guid viewer, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var thread = await c.QuerySingleOrDefaultAsync<ThreadView>(ById, new { id, viewer });
        // Hidden by the reports safety net: nobody reads it here until a moderator has looked (on the reports page).
        return thread is { CanRead: true } ? (thread.HiddenAt is null ? thread : thread with { Title = HiddenTitle, Content = "", ContentWarning = null }).ForViewer(viewer) : null;
    }

    private const string SummaryColumns = """
        t.id, g.slug AS group_slug, g.name AS group_name, t.title, t.content_warning, t.author_id, COALESCE(u.username, t.remote_author_name) AS author_name,
        t.reply_count, t.created_at, t.pinned_at, t.locked_at, t.answered_at
        """;

    private static readonly string Pinned = $"""
        SELECT {SummaryColumns}
        FROM threads t JOIN groups g ON g.id = t.group_id LEFT JOIN users u ON u.id = t.author_id
        WHERE t.group_id = @groupId AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.removed_at IS NULL AND t.pinned_at IS NOT NULL
        ORDER BY t.pinned_at DESC
        LIMIT 10
        """;

    private static readonly string Latest = $"""
        SELECT {SummaryColumns}
        FROM threads t JOIN groups g ON g.id = t.group_id LEFT JOIN users u ON u.id = t.author_id
        WHERE t.group_id = @groupId AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.removed_at IS NULL AND t.pinned_at IS NULL AND t.id < @before
        ORDER BY t.id DESC
        LIMIT @limit
        """;

    /// <summary>Pinned threads (first page only, at most 10) and a page of the others, newest first.</summary>
    public async Task<(IReadOnlyList<ThreadSummary> Pinned, Page<ThreadSummary> Threads)> ListAsync(Guid groupId, string? before,
        int size = Page<ThreadSummary>.DefaultSize, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var pinned = before is null ? (await c.QueryAsync<ThreadSummary>(Pinned, new { groupId })).ToList() : [];
        var rows = (await c.QueryAsync<ThreadSummary>(Latest, new { groupId, before = Cursors.Before(before), limit = size + 1 })).ToList();
        return (pinned, Page<ThreadSummary>.From(rows, size, t => t.Id.ToString()));
    }

    private static readonly string WaitingInGroup = $"""
        SELECT {SummaryColumns}
        FROM threads t JOIN groups g ON g.id = t.group_id LEFT JOIN users u ON u.id = t.author_id
        WHERE t.group_id = @groupId AND t.answered_at IS NULL AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.removed_at IS NULL AND t.locked_at IS NULL AND t.id > @after
        ORDER BY t.id
        LIMIT @limit
        """;

    /// <summary>Threads in one group nobody has answered yet, oldest first: whoever has waited longest comes first.</summary>
    public async Task<Page<ThreadSummary>> WaitingInGroupAsync(Guid groupId, string? after, int size = Page<ThreadSummary>.DefaultSize, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<ThreadSummary>(WaitingInGroup, new { groupId, after = Cursors.After(after), limit = size + 1 })).ToList();
        return Page<ThreadSummary>.From(rows, size, t => t.Id.ToString());
    }

    private static readonly string WaitingForMember = $"""
        SELECT {SummaryColumns}
        FROM threads t
            JOIN group_members m ON m.group_id = t.group_id AND m.user_id = @viewer
            JOIN groups g ON g.id = t.group_id
            LEFT JOIN users u ON u.id = t.author_id
        WHERE t.answered_at IS NULL AND t.deleted_at IS NULL AND t.hidden_at IS NULL AND t.removed_at IS NULL AND t.locked_at IS NULL AND t.id > @after
        ORDER BY t.id
        LIMIT @limit
        """;

    /// <summary>Unanswered threads across the groups <paramref name="viewer"/> belongs to (where they can answer), oldest first.</summary>
    public async Task<Page<ThreadSummary>> WaitingForMemberAsync(Guid viewer, string? after, int size = Page<ThreadSummary>.DefaultSize, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<ThreadSummary>(WaitingForMember, new { viewer, after = Cursors.After(after), limit = size + 1 })).ToList();
        return Page<ThreadSummary>.From(rows, size, t => t.Id.ToString());
    }

    private const string ReplyColumns = """
        r.id, r.thread_id, r.in_reply_to, r.root_id, r.depth, r.author_id, COALESCE(u.username, r.remote_author_name) AS author_name,
        am.label AS author_label, COALESCE(pu.username, p.remote_author_name) AS parent_author_name, r.origin,
        CASE WHEN r.hidden_at IS NULL THEN r.content ELSE '' END AS content, CASE WHEN r.hidden_at IS NULL THEN r.content_warning END AS content_warning,
        r.created_at, r.edited_at, r.deleted_at, r.hidden_at,
        r.removed_at, r.removal_reason, r.removal_public
        """;

    private const string ReplyJoins = """
        FROM replies r
            JOIN threads t ON t.id = r.thread_id
            LEFT JOIN users u ON u.id = r.author_id
            LEFT JOIN group_members am ON am.group_id = t.group_id AND am.user_id = r.author_id
            LEFT JOIN replies p ON p.id = r.in_reply_to
            LEFT JOIN users pu ON pu.id = p.author_id
        """;

    private static readonly string OneReply = $"SELECT {ReplyColumns} {ReplyJoins} WHERE r.id = @id AND r.thread_id = @threadId";

    /// <summary>One reply of a thread (e.g. the one being answered), or null; a removed one without its words.</summary>
    public async Task<ReplyView?> FindReplyAsync(Guid threadId, Guid id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QuerySingleOrDefaultAsync<ReplyView>(OneReply, new { threadId, id }))?.ForViewer(Guid.Empty, moderator: false);
    }

    private const string Roots = """
        SELECT id FROM replies WHERE thread_id = @threadId AND depth = 0 AND id > @after ORDER BY id LIMIT @limit
        """;

    // All answers under a range of top-level replies. Capped: a pathological sub-thread cannot make a page unbounded.
    private static readonly string Tree = $"""
        SELECT {ReplyColumns} {ReplyJoins}
        WHERE r.thread_id = @threadId AND r.root_id >= @first AND r.root_id <= @last
        ORDER BY r.root_id, r.id
        LIMIT 2000
        """;

    /// <summary>
    /// A page of top-level replies (oldest first) with every answer beneath them, in reading order: each reply is
    /// followed by its answers, depth first, oldest first at each level. Removed replies keep their words only for their
    /// author (<paramref name="viewer"/>) and the group's moderators (<paramref name="moderator"/>).
    /// </summary>
    public async Task<Page<ReplyView>> RepliesAsync(Guid threadId, string? after, int size = 50, Guid viewer = default, bool moderator = false,
        CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var roots = (await c.QueryAsync<Guid>(Roots, new { threadId, after = Cursors.After(after), limit = size + 1 })).ToList();
        var next = roots.Count > size ? roots[size - 1].ToString() : null;
        roots = roots.Take(size).ToList();
        if (roots.Count == 0)
        {
            return new Page<ReplyView>([], null);
        }

        var all = (await c.QueryAsync<ReplyView>(Tree, new { threadId, first = roots[0], last = roots[^1] })).ToList();
        return new Page<ReplyView>(ReadingOrder(all).Select(r => r.ForViewer(viewer, moderator)).ToList(), next);
    }

    private static List<ReplyView> ReadingOrder(List<ReplyView> replies)
    {
        var children = replies.Where(r => r.InReplyTo is not null).ToLookup(r => r.InReplyTo!.Value);
        var ordered = new List<ReplyView>(replies.Count);
        var stack = new Stack<ReplyView>(replies.Where(r => r.Depth == 0).OrderByDescending(r => r.Id));
        while (stack.Count > 0)
        {
            var reply = stack.Pop();
            ordered.Add(reply);
            foreach (var child in children[reply.Id].OrderByDescending(r => r.Id))
            {
                stack.Push(child);
            }
        }

        return ordered;
    }
}
