using System.Data.Common;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Features.Reports;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// A report a moderator chose to forward (<see cref="ReportForwarded"/>): a <c>Flag</c> from the instance actor, as
/// Mastodon, Lemmy and Mbin accept them, to the reported person's server (their inbox) and, for a post in a group hosted
/// elsewhere, to that group's inbox. It names the person and the post and gives our reason category; it never carries the
/// reporter, their comment or the moderator (issue 12).
/// </summary>
public sealed class FlagPublisher(ActorUrls urls, DeliveryQueue delivery, ILogger<FlagPublisher> logger)
{
    private const string Report = """
        SELECT r.id, r.post_id, r.subject_actor, r.reason, g.ap_id AS group_ap_id, g.origin AS group_origin, g.inbox AS group_inbox,
            COALESCE(t.ap_id, rp.ap_id) AS post_ap_id, CASE WHEN t.id IS NOT NULL THEN 1 ELSE 0 END AS is_thread
        FROM reports r
            LEFT JOIN groups g ON g.id = r.group_id
            LEFT JOIN threads t ON t.id = r.post_id
            LEFT JOIN replies rp ON rp.id = r.post_id
        WHERE r.id = @id
        """;

    private const string ActorInbox = "SELECT inbox, shared_inbox FROM remote_actors WHERE id = @id AND gone_at IS NULL";

    public async Task ForwardAsync(DbConnection c, DbTransaction tx, Guid reportId, CancellationToken ct)
    {
        var report = await c.QuerySingleOrDefaultAsync<ReportRow>(Report, new { id = reportId }, tx);
        if (report is null)
        {
            return;
        }

        var objects = new List<Uri>();
        if (report.SubjectActor is { } subject && Uri.TryCreate(subject, UriKind.Absolute, out var subjectUri))
        {
            objects.Add(subjectUri);
        }

        if (report.PostId is { } postId)
        {
            objects.Add(report.PostApId is { } apId && Uri.TryCreate(apId, UriKind.Absolute, out var u) ? u
                : report.IsThread == 1 ? urls.Thread(postId) : urls.Reply(postId));
        }

        var targets = new List<DeliveryTarget>();
        Uri? recipient = null;
        if (report.SubjectActor is not null && await c.QuerySingleOrDefaultAsync<InboxRow>(ActorInbox, new { id = report.SubjectActor }, tx) is { Inbox: { } inbox } row)
        {
            targets.Add(new DeliveryTarget(new Uri(inbox), row.SharedInbox is null ? null : new Uri(row.SharedInbox)));
            recipient = objects[0];
        }

        if (report.GroupOrigin is not (null or "local") && report.GroupInbox is { } groupInbox && report.GroupApId is { } group)
        {
            targets.Add(new DeliveryTarget(new Uri(groupInbox)));
            recipient ??= new Uri(group);
        }

        if (targets.Count == 0 || recipient is null || objects.Count == 0)
        {
            logger.LogWarning("Report {Report} was to be forwarded but we know no inbox for it; nothing was sent", reportId);
            return;
        }

        var reason = $"Reported on {urls.Authority}: {ReportRules.Label(report.Reason)}";
        var flag = ActivityJson.Flag(new Uri($"{urls.Origin}flags/{reportId}"), urls.InstanceActor, objects, recipient, reason);
        // Lemmy reads the reason from summary, Mastodon from content; the group is the audience Lemmy files it under.
        flag["summary"] = reason;
        if (report.GroupOrigin is not (null or "local") && report.GroupApId is { } audience)
        {
            flag["audience"] = audience;
        }

        await delivery.EnqueueAsync(c, tx, urls.InstanceActor.AbsoluteUri, JsonOutput.Serialize(flag), targets, ct);
    }

    private sealed record ReportRow
    {
        public Guid Id { get; init; }
        public Guid? PostId { get; init; }
        public string? SubjectActor { get; init; }
        public string Reason { get; init; } = "";
        public string? GroupApId { get; init; }
        public string? GroupOrigin { get; init; }
        public string? GroupInbox { get; init; }
        public string? PostApId { get; init; }
        public long IsThread { get; init; }
    }

    private sealed record InboxRow
    {
        public string? Inbox { get; init; }
        public string? SharedInbox { get; init; }
    }
}
