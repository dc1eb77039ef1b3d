using System.ComponentModel;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Web;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Kindred.Server.Features.Admin;

/// <summary>An account in the admins' list: a local account (with <c>id</c>) or someone on another server we know (with <c>actor</c>).</summary>
public sealed record AdminAccountResponse(Guid? Id, [property: Description("name, or name@host for someone on another server.")] string Name,
    [property: Description("\"local\", or the other server's host.")] string Origin, string? Role, string Status, DateTimeOffset? CreatedAt,
    DateTimeOffset? LastSignInAt, string? SuspendedReason, DateTimeOffset? SuspendedUntil, string? Actor);

public sealed record SuspendRequest([property: Description("Why (kept in the moderation log). Required.")] string? Reason,
    [property: Description("When the suspension ends; leave out for \"until lifted\".")] DateTimeOffset? ExpiresAt);

/// <summary>Instance admins' account list (local and remote) and suspensions of local accounts, in the JSON API.</summary>
public static class AccountAdminApi
{
    public static IEndpointRouteBuilder MapAccountAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/admin/accounts").WithTags("Admin").DisableAntiforgery().RequireAuthorization(Policies.ApiAdmin);

        api.MapGet("", async Task<Results<Ok<ListResponse<AdminAccountResponse>>, ValidationProblem>> (string? q, string? origin, string? status, string? after,
            HttpContext http, Suspensions suspensions, Database db) =>
        {
            if (origin is not (null or "" or "local" or "remote"))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["origin"] = ["Use local or remote."] });
            }

            if (status is not (null or "" or AccountStatus.Active or AccountStatus.Pending or AccountStatus.Suspended))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["Use active, pending or suspended."] });
            }

            if (origin == "remote")
            {
                var remote = await RemoteAsync(db, q, after, http.RequestAborted);
                return TypedResults.Ok(new ListResponse<AdminAccountResponse>(remote.Items, Next(http, remote.Next, q, origin, status)));
            }

            var page = await suspensions.ListAsync(q, status, after, ct: http.RequestAborted);
            var items = page.Items.Select(a => new AdminAccountResponse(a.Id, a.Username, "local", a.Role, a.Status, a.CreatedAt, a.LastSignInAt,
                a.SuspendedReason, a.SuspendedUntil, null)).ToList();
            return TypedResults.Ok(new ListResponse<AdminAccountResponse>(items, Next(http, page.Next, q, origin, status)));
        }).WithName("ListAccounts").WithSummary("Accounts by name: local (default) or, with origin=remote, people on other servers we know; q searches names");

        api.MapPost("/{id:guid}/suspend", async Task<Results<Ok<AdminAccountResponse>, ValidationProblem, ProblemHttpResult>> (Guid id, SuspendRequest body,
            HttpContext http, Suspensions suspensions) =>
        {
            var result = await suspensions.SuspendAsync(id, http.Viewer(), body.Reason, body.ExpiresAt, http.RequestAborted);
            if (result.Failure == Failure.Invalid)
            {
                return ApiProblems.Validation(result);
            }

            return result.Ok ? TypedResults.Ok(Local(result.Value!)) : ApiProblems.Problem(result);
        }).WithName("SuspendAccount").WithSummary("Suspend a local account: it cannot sign in and its sessions and tokens end at once");

        api.MapPost("/{id:guid}/unsuspend", async Task<Results<Ok<AdminAccountResponse>, ProblemHttpResult>> (Guid id, HttpContext http, Suspensions suspensions) =>
        {
            var result = await suspensions.UnsuspendAsync(id, http.Viewer(), http.RequestAborted);
            return result.Ok ? TypedResults.Ok(Local(result.Value!)) : ApiProblems.Problem(result);
        }).WithName("UnsuspendAccount").WithSummary("Lift a local account's suspension");

        return app;
    }

    private static AdminAccountResponse Local(AccountRow a) =>
        new(a.Id, a.Username, "local", a.Role, a.Status, a.CreatedAt, a.LastSignInAt, a.SuspendedReason, a.SuspendedUntil, null);

    private static string? Next(HttpContext http, string? cursor, string? q, string? origin, string? status)
    {
        if (http.NextUrl(cursor, "after") is not { } next)
        {
            return null;
        }

        foreach (var (name, value) in new[] { ("q", q), ("origin", origin), ("status", status) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                next += $"&{name}={Uri.EscapeDataString(value)}";
            }
        }

        return next;
    }

    private const string Remote = """
        SELECT id, preferred_username FROM remote_actors
        WHERE actor_type <> 'Group' AND (@q = '' OR LOWER(preferred_username) LIKE @like ESCAPE '\' OR LOWER(id) LIKE @like ESCAPE '\') AND id > @after
        ORDER BY id
        LIMIT @limit
        """;

    private sealed record RemoteRow
    {
        public string Id { get; init; } = "";
        public string? PreferredUsername { get; init; }
    }

    private static async Task<Page<AdminAccountResponse>> RemoteAsync(Database db, string? q, string? after, CancellationToken ct, int size = 50)
    {
        var query = (q ?? "").Trim().ToLowerInvariant();
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<RemoteRow>(Remote, new { q = query, like = "%" + Suspensions.Like(query) + "%", after = after ?? "", limit = size + 1 })).ToList();
        var page = Page<RemoteRow>.From(rows, size, r => r.Id);
        var items = page.Items.Select(r =>
        {
            var host = Uri.TryCreate(r.Id, UriKind.Absolute, out var u) ? Hosts.Authority(u) : "";
            return new AdminAccountResponse(null, $"{r.PreferredUsername ?? "someone"}@{host}", host, null, AccountStatus.Active, null, null, null, null, r.Id);
        }).ToList();
        return new Page<AdminAccountResponse>(items, page.Next);
    }
}
