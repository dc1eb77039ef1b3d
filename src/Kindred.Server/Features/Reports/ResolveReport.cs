using Kindred.Server.Data;
using Kindred.Server.Features.Changes;
using Kindred.Server.Features.Moderation;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Reports;

/// <summary>
/// A moderator (or admin) closes a report with a note. One review answers every open report on the same post, and a post
/// the safety net hid is shown again (removing it is the moderator's separate decision). With <c>forward</c> the report
/// goes to the server of the person reported (or of the group the post lives in) as a Flag from this instance.
/// </summary>
public sealed class ResolveReport(Database db, ReportQueries queries, ReportStore reports, PostStore posts, ChangeLog changes, ModerationLog log)
{
    public sealed record Input(string? Note, bool Forward);

    public async Task<Outcome<ReportRow>> RunAsync(Guid id, Guid moderator, Input input, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var found = await queries.FindAsync(id, moderator, ct);
        if (!found.Ok)
        {
            return found;
        }

        var report = found.Value!;
        var note = (input.Note ?? "").Trim();
        if (note.Length > ReportRules.MaxNoteLength)
        {
            return Outcome<ReportRow>.Invalid("note", $"Keep the note to {ReportRules.MaxNoteLength:N0} characters or fewer (this has {note.Length:N0}).");
        }

        if (input.Forward && report.SubjectActor is null && report.GroupOrigin is null or "local")
        {
            return Outcome<ReportRow>.Invalid("forward", "Only a report about someone on another server, or a post in a group hosted elsewhere, can be forwarded.");
        }

        if (!report.IsOpen)
        {
            return Outcome<ReportRow>.Conflict("This report was resolved already.");
        }

        var resolved = await db.InTransactionAsync(async (c, tx) =>
        {
            if (!await reports.ResolveAsync(c, tx, id, report.PostId, moderator, note.Length == 0 ? null : note, input.Forward))
            {
                return false;
            }

            if (report.PostId is { } postId)
            {
                await posts.UnhideAsync(c, tx, postId);
            }

            if (input.Forward)
            {
                await changes.RecordAsync(c, tx, new ReportForwarded(id), ct);
            }

            // The log says what was decided about whom; never who reported.
            await log.RecordAsync(c, tx, new ModerationEntry
            {
                GroupId = report.GroupId, ModeratorId = moderator, Action = ModerationActions.ReportResolved, TargetKind = ModerationTargets.Report,
                TargetId = id.ToString(), TargetLabel = report.AboutPost ? $"{(report.IsThread ? "thread" : "reply")} by {report.SubjectName}" : report.SubjectName,
                Reason = note.Length == 0 ? null : note, Details = $"{ReportRules.Label(report.Reason)}{(input.Forward ? "; forwarded to their server" : "")}",
            });
            return true;
        }, ct);

        return resolved
            ? await queries.FindAsync(id, moderator, ct)
            : Outcome<ReportRow>.Conflict("This report was resolved already.");
    }
}
