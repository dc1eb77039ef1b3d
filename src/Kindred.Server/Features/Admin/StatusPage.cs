using Kindred.Server.Diagnostics;
using Kindred.Server.Theming;
using Kindred.Server.Web;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kindred.Server.Features.Admin;

/// <summary>One check on the status page, as admins read it.</summary>
public sealed record StatusEntry(string Check, string Title, string State, string Description);

/// <summary>The status page's answer: the worst state and every check.</summary>
public sealed record InstanceStatus(string State, DateTimeOffset CheckedAt, IReadOnlyList<StatusEntry> Checks);

/// <summary>
/// The admin dashboard (issue 20): every readiness check (database and schema, proxy trust) and every status check
/// (workers, deliveries, background jobs and mail, disk, secrets) on one page, worst first, each saying what to do.
/// <c>/admin/status</c> and <c>GET /api/v1/admin/status</c>.
/// </summary>
public static class StatusPage
{
    private static readonly Dictionary<string, string> Titles = new(StringComparer.Ordinal)
    {
        ["database"] = "Database and schema",
        ["proxy"] = "Reverse proxy",
        ["inbox"] = "Incoming federation",
        ["deliveries"] = "Outgoing deliveries",
        ["jobs"] = "Background jobs and mail",
        ["disk"] = "Disk space",
        ["secrets"] = "Secrets",
    };

    public static IEndpointRouteBuilder MapStatusPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/status", async (HttpContext http, Pages pages, HealthCheckService health, TimeProvider time) =>
        {
            var status = await CheckAsync(health, time, http.RequestAborted);
            return await pages.RenderAsync(http, "admin-status", "Instance status", new
            {
                Overall = status.State,
                CheckedAt = status.CheckedAt.UtcDateTime,
                Checks = status.Checks,
            });
        }).RequireAuthorization(Policies.Admin);

        app.MapGet("/api/v1/admin/status", async (HealthCheckService health, TimeProvider time, CancellationToken ct) =>
            TypedResults.Ok(await CheckAsync(health, time, ct)))
            .RequireAuthorization(Policies.ApiAdmin);
        return app;
    }

    public static async Task<InstanceStatus> CheckAsync(HealthCheckService health, TimeProvider time, CancellationToken ct)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains("ready") || c.Tags.Contains(StatusChecks.Tag), ct);
        var checks = report.Entries
            .OrderBy(e => e.Value.Status)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new StatusEntry(e.Key, Titles.GetValueOrDefault(e.Key, e.Key), State(e.Value.Status),
                e.Value.Description ?? (e.Value.Exception is { } ex ? "The check failed: " + ex.Message : "")))
            .ToList();
        return new InstanceStatus(State(report.Status), time.GetUtcNow(), checks);
    }

    private static string State(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "ok",
        HealthStatus.Degraded => "attention",
        _ => "problem",
    };
}
