using System.Data.Common;
using Dapper;
using Kindred.Server.Data;

namespace Kindred.Server.Features.Reports;

/// <summary>A report as stored, with what the reports page shows next to it (read in the same query).</summary>
public sealed record ReportRow
{
    public Guid Id { get; init; }
    public Guid? GroupId { get; init; }
    public string? GroupSlug { get; init; }
    public string? GroupName { get; init; }
    public string? GroupOrigin { get; init; }
    public Guid? PostId { get; init; }
    public Guid? ThreadId { get; init; }
    public string? PostTitle { get; init; }
    public string? PostContent { get; init; }
    public string? PostOrigin { get; init; }
    public string? PostApId { get; init; }
    public DateTimeOffset? PostHiddenAt { get; init; }
    public DateTimeOffset? PostDeletedAt { get; init; }
    public Guid? SubjectUserId { get; init; }
    public string? SubjectActor { get; init; }
    public string SubjectName { get; init; } = "";
    public Guid? ReporterId { get; init; }
    public string Origin { get; init; } = "local";
    public string Reason { get; init; } = ReportRules.Other;
    public string Comment { get; init; } = "";
    public string Status { get; init; } = ReportStore.Open;
    public DateTimeOffset? ResolvedAt { get; init; }
    public string? ResolutionNote { get; init; }
    public DateTimeOffset? ForwardedAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    public bool IsOpen => Status == ReportStore.Open;
    public bool AboutPost => PostId is not null;
    public bool IsThread => PostId is not null && PostId == ThreadId;
}

/// <summary>What a new report is about and who made it (a local member, or nobody for a Flag from another server).</summary>
public sealed record NewReport
{
    public Guid? GroupId { get; init; }
    public Guid? PostId { get; init; }
    public Guid? SubjectUserId { get; init; }
    public string? SubjectActor { get; init; }
    public string SubjectName { get; init; } = "";
    public Guid? ReporterId { get; init; }
    public string Origin { get; init; } = "local";
    public string? FlagId { get; init; }
    public string Reason { get; init; } = ReportRules.Other;
    public string Comment { get; init; } = "";
}

/// <summary>
/// The one owner of <c>reports</c>. Every method runs on the caller's connection and transaction; who may report and who
/// may read or resolve is decided by the operations (<see cref="FileReport"/>, <see cref="ResolveReport"/>, <see cref="ReportQueries"/>).
/// </summary>
public sealed class ReportStore(TimeProvider time)
{
    public const string Open = "open";
    public const string Resolved = "resolved";

    private const string Insert = """
        INSERT INTO reports (id, group_id, post_id, subject_user_id, subject_actor, subject_name, reporter_id, origin, flag_id, reason, comment, status, created_at)
        VALUES (@Id, @GroupId, @PostId, @SubjectUserId, @SubjectActor, @SubjectName, @ReporterId, @Origin, @FlagId, @Reason, @Comment, 'open', @At)
        ON CONFLICT DO NOTHING
        """;

    private const string ExistingOpen = """
        SELECT id FROM reports WHERE post_id = @PostId AND reporter_id = @ReporterId AND status = 'open'
        """;

    private const string ByFlag = "SELECT id FROM reports WHERE flag_id = @FlagId";

    /// <summary>Stores a report; (id, false) when the same person already has an open report on the post, or the same
    /// Flag arrived before: reporting twice counts once.</summary>
    public async Task<(Guid Id, bool Created)> AddAsync(DbConnection c, DbTransaction tx, NewReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var id = Ids.New(time);
        var inserted = await c.ExecuteAsync(Insert, new
        {
            Id = id, report.GroupId, report.PostId, report.SubjectUserId, report.SubjectActor, report.SubjectName, report.ReporterId,
            report.Origin, report.FlagId, report.Reason, report.Comment, At = time.GetUtcNow(),
        }, tx);
        if (inserted > 0)
        {
            return (id, true);
        }

        var existing = report.FlagId is not null
            ? await c.ExecuteScalarAsync<Guid?>(ByFlag, new { report.FlagId }, tx)
            : await c.ExecuteScalarAsync<Guid?>(ExistingOpen, new { report.PostId, report.ReporterId }, tx);
        return (existing ?? throw new InvalidOperationException("A report was refused but no earlier one was found."), false);
    }

    // A Flag from another server counts as one reporter per server; a member counts once however often they report.
    private const string Reporters = """
        SELECT COUNT(DISTINCT COALESCE(CAST(reporter_id AS TEXT), origin)) FROM reports WHERE post_id = @postId AND status = 'open'
        """;

    /// <summary>How many different people (or servers) have an open report on the post.</summary>
    public Task<long> DistinctReportersAsync(DbConnection c, DbTransaction tx, Guid postId) =>
        c.ExecuteScalarAsync<long>(Reporters, new { postId }, tx);

    private const string Resolve = """
        UPDATE reports SET status = 'resolved', resolved_by = @by, resolved_at = @at, resolution_note = @note,
            forwarded_at = CASE WHEN @forward = 1 AND id = @id THEN @at ELSE forwarded_at END
        WHERE status = 'open' AND (id = @id OR post_id = @postId)
        """;

    /// <summary>Closes the report, and every other open report on the same post (one review answers them all). False when it
    /// was resolved already.</summary>
    public async Task<bool> ResolveAsync(DbConnection c, DbTransaction tx, Guid id, Guid? postId, Guid? by, string? note, bool forwarded) =>
        await c.ExecuteAsync(Resolve, new { id, postId = postId ?? Guid.Empty, by, at = time.GetUtcNow(), note, forward = forwarded ? 1 : 0 }, tx) > 0;

    private const string ResolveFlag = """
        UPDATE reports SET status = 'resolved', resolved_at = @at, resolution_note = @note
        WHERE flag_id = @flagId AND origin = @origin AND status = 'open'
        RETURNING id, group_id
        """;

    /// <summary>Another server says its report is dealt with (Lemmy's <c>Resolve</c>); only the server that sent the Flag can.
    /// The report closed (its id and group), or null.</summary>
    public async Task<(Guid Id, Guid? GroupId)?> ResolveFlagAsync(DbConnection c, DbTransaction tx, string flagId, string origin, string note) =>
        (await c.QueryAsync<ClosedRow>(ResolveFlag, new { flagId, origin, note, at = time.GetUtcNow() }, tx)).FirstOrDefault() is { } row
            ? (row.Id, row.GroupId) : null;

    private sealed record ClosedRow
    {
        public Guid Id { get; init; }
        public Guid? GroupId { get; init; }
    }

    private const string OpenOnPost = "SELECT COUNT(*) FROM reports WHERE post_id = @postId AND status = 'open'";

    public Task<long> OpenOnPostAsync(DbConnection c, DbTransaction tx, Guid postId) =>
        c.ExecuteScalarAsync<long>(OpenOnPost, new { postId }, tx);
}
