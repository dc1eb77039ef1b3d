using Kindred.Server.Configuration;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>Delivery health for admins: the page /admin/federation/deliveries and the API under /api/v1/admin/federation/deliveries.</summary>
public static class DeliveryAdmin
{
    private const int MaxInstances = 500;

    public static IEndpointRouteBuilder MapDeliveryAdmin(this IEndpointRouteBuilder app)
    {
        var page = app.MapGroup("/admin/federation/deliveries").RequireAuthorization(Policies.Admin);

        page.MapGet("", async (HttpContext http, Pages pages, DeliveryHealth health, Resolution.ActorResolver resolver, Inbox.InboxLimits inbox) =>
        {
            var instances = await health.ListAsync(MaxInstances, http.RequestAborted);
            var caches = resolver.Stats;
            var received = inbox.Stats;
            return await pages.RenderAsync(http, "admin-deliveries", "Federation deliveries", new
            {
                Instances = instances.Select(i => new
                {
                    i.Host,
                    i.State,
                    Paused = i.State != "closed",
                    PausedUntil = i.PausedUntil?.UtcDateTime,
                    i.ConsecutiveFailures,
                    i.Queued,
                    i.Failed,
                    i.GaveUp,
                    LastSuccessAt = i.LastSuccessAt?.UtcDateTime,
                    LastFailureAt = i.LastFailureAt?.UtcDateTime,
                    // An error from before the last success is history: the instance has recovered since. (A refusal is noted
                    // with the same time as the answer that carried it, so it still shows.)
                    CurrentError = i.LastError is not null && (i.LastSuccessAt is null || i.LastFailureAt is null || i.LastFailureAt >= i.LastSuccessAt
                        || i.State != "closed" || i.ConsecutiveFailures > 0 || i.PausedUntil is not null) ? i.LastError : null,
                }).ToList(),
                Limit = MaxInstances,
                // What this node received and remembers (since it started): see docs/admin-guide-federation.md.
                Receiving = new
                {
                    received.Ignored,
                    received.RateLimited,
                    received.OverBudget,
                    Actors = Cache(caches.Actors),
                    Keys = Cache(caches.Keys),
                },
            });
        });

        page.MapPost("/{action:regex(^(retry|resume)$)}", async (string action, HttpContext http, DeliveryHealth health) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var host = Forms.Value(form, "host") ?? "";
            var known = action == "retry" ? await health.RetryNowAsync(host, http.RequestAborted) : await health.ResumeAsync(host, http.RequestAborted);
            return known ? Results.Redirect($"/admin/federation/deliveries?notice=delivery-{action}") : Results.NotFound();
        });

        var api = app.MapGroup("/api/v1/admin/federation/deliveries").RequireAuthorization(Policies.ApiAdmin);

        api.MapGet("", async (DeliveryHealth health, CancellationToken ct) =>
            TypedResults.Ok(new DeliveryHealthList(await health.ListAsync(MaxInstances, ct))));

        api.MapPost("/{host}/retry", async (string host, DeliveryHealth health, CancellationToken ct) =>
            await health.RetryNowAsync(host, ct) ? Results.NoContent() : UnknownHost(host));

        api.MapPost("/{host}/resume", async (string host, DeliveryHealth health, CancellationToken ct) =>
            await health.ResumeAsync(host, ct) ? Results.NoContent() : UnknownHost(host));

        return app;
    }

    private static object Cache(Resolution.CacheCounts c) => new
    {
        c.Count,
        c.Capacity,
        c.Hits,
        c.Misses,
        HitPercent = (int)Math.Round(c.HitRatio * 100),
    };

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult UnknownHost(string host) =>
        TypedResults.Problem(title: "Unknown instance", detail: $"Nothing has been delivered to '{host}'.", statusCode: StatusCodes.Status404NotFound);
}

/// <summary>The delivery health API's answer: one entry per instance we deliver to.</summary>
public sealed record DeliveryHealthList(IReadOnlyList<InstanceDeliveryHealth> Instances);
