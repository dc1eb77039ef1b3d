using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Moderation;

namespace Kindred.Server.Features.Reports;

/// <summary>
/// Reports from other servers (a <c>Flag</c> from Mastodon, Lemmy or Mbin), converted by Federation's inbox handler:
/// about a post we hold they go to its group's moderators, about one of our members to our admins, exactly like a
/// member's report. The remote reporter is not kept, only their server. Lemmy's <c>Resolve</c> closes the report, and
/// only the server that sent it can.
/// </summary>
public sealed class ReceiveFlag(Database db, ReportStore reports, FileReport file, ModerationLog log)
{
    private const string Post = """
        SELECT t.id, t.group_id, t.author_id, t.remote_author, COALESCE(u.username, t.remote_author_name) AS author_name, t.deleted_at
        FROM threads t LEFT JOIN users u ON u.id = t.author_id WHERE t.id = @id
        UNION ALL
        SELECT r.id, t.group_id, r.author_id, r.remote_author, COALESCE(u.username, r.remote_author_name) AS author_name, r.deleted_at
        FROM replies r JOIN threads t ON t.id = r.thread_id LEFT JOIN users u ON u.id = r.author_id WHERE r.id = @id
        """;

    private const string Person = "SELECT id, username FROM users WHERE id = @id";

    /// <summary>Files the Flag <paramref name="flagId"/> from <paramref name="origin"/> (host) about <paramref name="postIds"/> (one
    /// report each) or, when none, the member <paramref name="personId"/>. Returns how many reports were new.</summary>
    public async Task<int> RunAsync(string flagId, string origin, IReadOnlyList<Guid> postIds, Guid? personId, string? text, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(postIds);
        var comment = (text ?? "").Trim();
        if (comment.Length > ReportRules.MaxCommentLength)
        {
            comment = comment[..ReportRules.MaxCommentLength];
        }

        var reason = ReportRules.FromRemote(comment);
        return await db.InTransactionAsync(async (c, tx) =>
        {
            var made = new List<NewReport>();
            foreach (var (postId, i) in postIds.Distinct().Take(10).Select((p, i) => (p, i)))
            {
                var post = await c.QuerySingleOrDefaultAsync<PostRow>(Post, new { id = postId }, tx);
                if (post is null || post.DeletedAt is not null)
                {
                    continue;
                }

                made.Add(new NewReport
                {
                    GroupId = post.GroupId, PostId = post.Id, SubjectUserId = post.AuthorId, SubjectActor = post.RemoteAuthor,
                    SubjectName = post.AuthorName ?? "a former member", Origin = origin, FlagId = i == 0 ? flagId : $"{flagId}#{i}",
                    Reason = reason, Comment = comment,
                });
            }

            if (made.Count == 0 && personId is { } userId && await c.QuerySingleOrDefaultAsync<PersonRow>(Person, new { id = userId }, tx) is { } person)
            {
                made.Add(new NewReport
                {
                    SubjectUserId = person.Id, SubjectName = person.Username, Origin = origin, FlagId = flagId, Reason = reason, Comment = comment,
                });
            }

            var created = 0;
            foreach (var report in made)
            {
                if ((await reports.AddAsync(c, tx, report)).Created)
                {
                    created++;
                    await file.NotifyAsync(c, tx, report);
                }
            }

            return created;
        }, ct);
    }

    /// <summary>Lemmy's <c>Resolve</c> of its own Flag: closes the report if <paramref name="origin"/> sent it, and logs who did.</summary>
    public Task<bool> ResolveAsync(string flagId, string origin, Uri actor, CancellationToken ct = default) =>
        db.InTransactionAsync(async (c, tx) =>
        {
            if (await reports.ResolveFlagAsync(c, tx, flagId, origin, $"Resolved on {origin}.") is not { } closed)
            {
                return false;
            }

            await log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = closed.GroupId, RemoteActor = actor, ModeratorName = origin, Action = ModerationActions.ReportResolved,
                TargetKind = ModerationTargets.Report, TargetId = closed.Id.ToString(), Details = $"Resolved on {origin}",
            });
            return true;
        }, ct);

    private sealed record PostRow
    {
        public Guid Id { get; init; }
        public Guid GroupId { get; init; }
        public Guid? AuthorId { get; init; }
        public string? RemoteAuthor { get; init; }
        public string? AuthorName { get; init; }
        public DateTimeOffset? DeletedAt { get; init; }
    }

    private sealed record PersonRow
    {
        public Guid Id { get; init; }
        public string Username { get; init; } = "";
    }
}
