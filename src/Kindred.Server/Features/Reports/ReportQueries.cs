using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Reports;

/// <summary>
/// Who may read and resolve which reports: a group's owners and moderators its posts' reports, the instance's admins every
/// report (people, groups hosted elsewhere, and every group as a backstop). Nobody ever sees a report about themselves.
/// </summary>
public sealed class ReportQueries(Database db)
{
    private const string Columns = """
        SELECT r.id, r.group_id, g.slug AS group_slug, g.name AS group_name, g.origin AS group_origin, r.post_id,
            COALESCE(t.id, rp.thread_id) AS thread_id, COALESCE(t.title, rt.title) AS post_title,
            COALESCE(t.content, rp.content) AS post_content, COALESCE(t.origin, rp.origin) AS post_origin,
            COALESCE(t.ap_id, rp.ap_id) AS post_ap_id, COALESCE(t.hidden_at, rp.hidden_at) AS post_hidden_at,
            COALESCE(t.deleted_at, rp.deleted_at) AS post_deleted_at,
            r.subject_user_id, r.subject_actor, r.subject_name, r.reporter_id, r.origin, r.reason, r.comment, r.status,
            r.resolved_at, r.resolution_note, r.forwarded_at, r.created_at
        FROM reports r
            LEFT JOIN groups g ON g.id = r.group_id
            LEFT JOIN threads t ON t.id = r.post_id
            LEFT JOIN replies rp ON rp.id = r.post_id
            LEFT JOIN threads rt ON rt.id = rp.thread_id
        """;

    private const string Visible = """
        (r.subject_user_id IS NULL OR r.subject_user_id <> @viewer)
        AND (EXISTS (SELECT 1 FROM users a WHERE a.id = @viewer AND a.role = 'admin' AND a.status = 'active')
             OR EXISTS (SELECT 1 FROM group_members m JOIN users mu ON mu.id = m.user_id
                        WHERE m.group_id = r.group_id AND m.user_id = @viewer AND m.role IN ('owner', 'moderator') AND mu.status = 'active'))
        """;

    private static readonly string List = $"""
        {Columns}
        WHERE r.status = @status AND r.id < @before AND {Visible}
        ORDER BY r.id DESC
        LIMIT @limit
        """;

    /// <summary>Reports <paramref name="viewer"/> may review, open or resolved, newest first.</summary>
    public async Task<Page<ReportRow>> ListAsync(Guid viewer, bool resolved, string? before, int size = 30, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<ReportRow>(List, new
        {
            viewer, status = resolved ? ReportStore.Resolved : ReportStore.Open, before = Cursors.Before(before), limit = size + 1,
        })).ToList();
        return Page<ReportRow>.From(rows, size, r => r.Id.ToString());
    }

    private static readonly string One = $"{Columns} WHERE r.id = @id";
    private static readonly string CanReview = $"SELECT COUNT(*) FROM reports r WHERE r.id = @id AND {Visible}";

    /// <summary>The report, if <paramref name="viewer"/> may review it: 404 when there is none, 403 when it is not theirs to see.</summary>
    public async Task<Outcome<ReportRow>> FindAsync(Guid id, Guid viewer, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<ReportRow>(One, new { id });
        if (row is null)
        {
            return Outcome<ReportRow>.NotFound();
        }

        return await c.ExecuteScalarAsync<long>(CanReview, new { id, viewer }) > 0
            ? Outcome<ReportRow>.Success(row)
            : Outcome<ReportRow>.Forbidden("Only the group's moderators and the instance's admins can see and resolve reports.");
    }

    private static readonly string OpenCount = $"SELECT COUNT(*) FROM reports r WHERE r.status = 'open' AND {Visible}";

    public async Task<long> OpenCountAsync(Guid viewer, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(OpenCount, new { viewer });
    }
}
