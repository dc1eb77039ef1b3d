using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>What the inbox ignored, for admins: the page /admin/federation/dropped and GET /api/v1/admin/federation/dropped.</summary>
public static class DroppedAdmin
{
    private const int MaxRows = 500;
    private const int MaxSamples = 30;

    public static IEndpointRouteBuilder MapDroppedAdmin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/federation/dropped", async (HttpContext http, Pages pages, DroppedActivities dropped, PendingReplies pending) =>
        {
            var rows = await dropped.ListAsync(MaxRows, http.RequestAborted);
            var waiting = await pending.CountsAsync(MaxRows, http.RequestAborted);
            var samples = await dropped.SamplesAsync(MaxSamples, http.RequestAborted);
            return await pages.RenderAsync(http, "admin-dropped", "Dropped federation activities", new
            {
                Dropped = rows.Select(r => new
                {
                    r.Server,
                    r.ActivityType,
                    r.Reason,
                    r.Count,
                    FirstAt = r.FirstAt.UtcDateTime,
                    LastAt = r.LastAt.UtcDateTime,
                    r.LastActivityId,
                }).ToList(),
                Samples = samples.Select(x => new { x.Server, x.ActivityType, x.Reason, x.ActivityId, x.Body, ReceivedAt = x.ReceivedAt.UtcDateTime }).ToList(),
                Waiting = waiting.Select(w => new { w.Server, w.Count, OldestAt = w.OldestAt.UtcDateTime }).ToList(),
                Limit = MaxRows,
            });
        }).RequireAuthorization(Policies.Admin);

        app.MapGet("/api/v1/admin/federation/dropped", async (DroppedActivities dropped, PendingReplies pending, CancellationToken ct) =>
            TypedResults.Ok(new DroppedActivityList(await dropped.ListAsync(MaxRows, ct)) { WaitingForParent = await pending.CountsAsync(MaxRows, ct), Samples = await dropped.SamplesAsync(MaxSamples, ct) }))
            .RequireAuthorization(Policies.ApiAdmin);
        return app;
    }
}
