using System.Data.Common;
using Dapper;
using Kindred.Server.Configuration;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Features.Reports;

/// <summary>
/// A member reports a post (to the group's moderators) or a person, here or on another server (to the instance's admins).
/// The reviewers are notified without the reporter's name; nobody else learns of it. When enough different members report
/// the same post (<see cref="ReportsOptions.HideAfterReporters"/>) it is hidden until a moderator has looked at it.
/// </summary>
public sealed class FileReport(Database db, ReportStore reports, PostStore posts, Notifications.Notifications notifications,
    IOptions<KindredOptions> options)
{
    /// <summary><paramref name="AboutAuthor"/>: the report is about the post's author as a person (to the admins), not the post.</summary>
    public sealed record Input(Guid? PostId, string? Member, string? Reason, string? Comment, bool AboutAuthor = false);

    /// <summary>A post the viewer may report (readable, not deleted), for the report form; null otherwise.</summary>
    public async Task<ReportablePost?> FindPostAsync(Guid postId, Guid viewer, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var post = await c.QuerySingleOrDefaultAsync<ReportablePost>(FindPost, new { id = postId, viewer });
        return post is { CanRead: true, DeletedAt: null } ? post : null;
    }

    public async Task<Outcome<Guid>> RunAsync(Guid reporter, Input input, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new Dictionary<string, string>();
        if (input.PostId is null == string.IsNullOrWhiteSpace(input.Member))
        {
            errors[input.PostId is null ? "postId" : "member"] = "Report either a post (postId) or a person (member), one at a time.";
        }

        if (!ReportRules.IsReason(input.Reason))
        {
            errors["reason"] = $"Choose a reason: {string.Join(", ", ReportRules.Reasons.Select(r => r.Key))}.";
        }

        var comment = (input.Comment ?? "").Trim();
        if (comment.Length > ReportRules.MaxCommentLength)
        {
            errors["comment"] = $"Keep it to {ReportRules.MaxCommentLength:N0} characters or fewer (this has {comment.Length:N0}).";
        }

        if (errors.Count > 0)
        {
            return Outcome<Guid>.Invalid(errors);
        }

        await using var c = await db.OpenAsync(ct);
        NewReport report;
        if (input.PostId is { } postId)
        {
            var post = await c.QuerySingleOrDefaultAsync<ReportablePost>(FindPost, new { id = postId, viewer = reporter });
            if (post is null || !post.CanRead || post.DeletedAt is not null)
            {
                return Outcome<Guid>.NotFound();
            }

            if (post.AuthorId == reporter)
            {
                return Outcome<Guid>.Invalid("postId", "This is your own post. You can edit or delete it instead.");
            }

            if (input.AboutAuthor && post.AuthorId is null && post.RemoteAuthor is null)
            {
                return Outcome<Guid>.Invalid("about", "This account no longer exists; you can still report the post.");
            }

            report = new NewReport
            {
                GroupId = input.AboutAuthor ? null : post.GroupId, PostId = input.AboutAuthor ? null : post.Id, SubjectUserId = post.AuthorId,
                SubjectActor = post.RemoteAuthor, SubjectName = post.AuthorName ?? "a former member",
            };
        }
        else
        {
            var person = await FindPersonAsync(c, input.Member!.Trim());
            if (person is null)
            {
                return Outcome<Guid>.NotFound("There is nobody by that name here, or we have not seen them.");
            }

            if (person.UserId == reporter)
            {
                return Outcome<Guid>.Invalid("member", "You cannot report yourself.");
            }

            report = new NewReport { SubjectUserId = person.UserId, SubjectActor = person.Actor, SubjectName = person.Name };
        }

        report = report with { ReporterId = reporter, Reason = input.Reason!, Comment = comment };
        var id = await db.InTransactionAsync(async (c2, tx) =>
        {
            var (id, created) = await reports.AddAsync(c2, tx, report);
            if (created)
            {
                await NotifyAsync(c2, tx, report);
            }

            return id;
        }, ct);
        return Outcome<Guid>.Success(id);
    }

    /// <summary>Tells the reviewers (and hides the post when the safety net says so), in the report's transaction.</summary>
    internal async Task NotifyAsync(DbConnection c, DbTransaction tx, NewReport report)
    {
        var kind = NotificationKinds.Report;
        var threshold = options.Value.Reports.HideAfterReporters;
        if (report.PostId is { } postId && threshold > 0 && await reports.DistinctReportersAsync(c, tx, postId) >= threshold
            && await posts.HideAsync(c, tx, postId))
        {
            kind = NotificationKinds.ReportHidden;
        }

        Guid? threadId = null, replyId = null;
        if (report.PostId is { } reported && await c.QuerySingleOrDefaultAsync<PostPlace>(Place, new { id = reported }, tx) is { } place)
        {
            threadId = place.ThreadId;
            replyId = place.IsReply ? reported : null;
        }

        var reviewers = (await c.QueryAsync<Guid>(report.GroupId is null ? Admins : GroupReviewers, new { groupId = report.GroupId }, tx)).ToList();
        if (reviewers.Count == 0)
        {
            // A group hosted elsewhere has no moderators here: its reports come to our admins, who may forward them.
            reviewers = (await c.QueryAsync<Guid>(Admins, transaction: tx)).ToList();
        }

        foreach (var reviewer in reviewers.Where(r => r != report.SubjectUserId && r != report.ReporterId))
        {
            await notifications.AddAsync(c, tx, reviewer, kind, report.GroupId, threadId, replyId);
        }
    }

    private const string Admins = "SELECT id FROM users WHERE role = 'admin' AND status = 'active'";

    private const string GroupReviewers = """
        SELECT m.user_id FROM group_members m JOIN users u ON u.id = m.user_id
        WHERE m.group_id = @groupId AND m.role IN ('owner', 'moderator') AND u.status = 'active'
        """;

    private const string Place = """
        SELECT id AS thread_id, 0 AS is_reply FROM threads WHERE id = @id
        UNION ALL
        SELECT thread_id, 1 AS is_reply FROM replies WHERE id = @id
        """;

    private sealed record PostPlace
    {
        public Guid ThreadId { get; init; }
        public bool IsReply { get; init; }
    }

    private const string FindPost = """
        SELECT t.id, t.id AS thread_id, t.title, t.group_id, g.name AS group_name, g.visibility, g.origin AS group_origin, m.role AS viewer_role, t.author_id, t.remote_author,
            COALESCE(u.username, t.remote_author_name) AS author_name, t.deleted_at
        FROM threads t JOIN groups g ON g.id = t.group_id
            LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
            LEFT JOIN users u ON u.id = t.author_id
        WHERE t.id = @id
        UNION ALL
        SELECT r.id, r.thread_id, t.title, t.group_id, g.name AS group_name, g.visibility, g.origin AS group_origin, m.role AS viewer_role, r.author_id, r.remote_author,
            COALESCE(u.username, r.remote_author_name) AS author_name, r.deleted_at
        FROM replies r JOIN threads t ON t.id = r.thread_id JOIN groups g ON g.id = t.group_id
            LEFT JOIN group_members m ON m.group_id = g.id AND m.user_id = @viewer
            LEFT JOIN users u ON u.id = r.author_id
        WHERE r.id = @id
        """;

    private sealed record Person(Guid? UserId, string? Actor, string Name);

    private const string LocalPerson = "SELECT id FROM users WHERE username_normalized = @name AND status <> 'pending'";

    private const string RemoteActor = """
        SELECT id FROM remote_actors WHERE LOWER(preferred_username) = @name AND (id LIKE @https OR id LIKE @http) ORDER BY fetched_at DESC LIMIT 1
        """;

    // Someone whose posts we hold is known by the name they were shown under, even if their actor document has expired.
    private const string RemoteAuthor = """
        SELECT remote_author FROM threads WHERE LOWER(remote_author_name) = @full AND remote_author IS NOT NULL
        UNION
        SELECT remote_author FROM replies WHERE LOWER(remote_author_name) = @full AND remote_author IS NOT NULL
        LIMIT 1
        """;

    /// <summary>"name" (or "name@our-host") is a local account; "name@host" someone elsewhere that we have seen.</summary>
    private async Task<Person?> FindPersonAsync(DbConnection c, string member)
    {
        var handle = member.TrimStart('@');
        var at = handle.IndexOf('@', StringComparison.Ordinal);
        var name = at < 0 ? handle : handle[..at];
        var host = at < 0 ? null : handle[(at + 1)..];
        if (name.Length == 0 || name.Length > 200 || host is { Length: 0 or > 255 } || (host is not null && !host.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or ':')))
        {
            return null;
        }

        if (host is null || string.Equals(host, new Uri(options.Value.PublicUrl).Authority, StringComparison.OrdinalIgnoreCase))
        {
            var userId = await c.ExecuteScalarAsync<Guid?>(LocalPerson, new { name = AccountRules.Normalize(name) });
            return userId is null ? null : new Person(userId, null, name);
        }

        var lower = name.ToLowerInvariant();
        var hostLower = host.ToLowerInvariant();
        var actor = await c.ExecuteScalarAsync<string?>(RemoteActor, new { name = lower, https = $"https://{hostLower}/%", http = $"http://{hostLower}/%" })
            ?? await c.ExecuteScalarAsync<string?>(RemoteAuthor, new { full = $"{lower}@{hostLower}" });
        return actor is null ? null : new Person(null, actor, $"{name}@{host}");
    }
}

/// <summary>A thread or reply as the report form and <see cref="FileReport"/> see it.</summary>
public sealed record ReportablePost
{
    public Guid Id { get; init; }
    public Guid ThreadId { get; init; }
    public string Title { get; init; } = "";
    public Guid GroupId { get; init; }
    public string GroupName { get; init; } = "";
    public string Visibility { get; init; } = Group.Public;
    public string GroupOrigin { get; init; } = "local";
    public string? ViewerRole { get; init; }
    public Guid? AuthorId { get; init; }
    public string? RemoteAuthor { get; init; }
    public string? AuthorName { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }

    public bool IsThread => Id == ThreadId;

    // As for reading the thread: a public local group's posts are open to every signed-in member; others to members.
    public bool CanRead => (Visibility == Group.Public && GroupOrigin == "local") || ViewerRole is not null;
}
