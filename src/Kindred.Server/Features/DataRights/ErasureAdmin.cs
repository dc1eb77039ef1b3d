using Kindred.Server.Features.Accounts;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.DataRights;

/// <summary>
/// Erasures for admins: the page /admin/erasures (recent erasures and, per server, where the Delete went and whether it
/// was accepted; a form to erase an account at once) and GET /api/v1/admin/erasures.
/// </summary>
public static class ErasureAdmin
{
    public static IEndpointRouteBuilder MapErasureAdmin(this IEndpointRouteBuilder app)
    {
        app.MapGet("/admin/erasures", async (HttpContext http, Pages pages, AccountErasures erasures) =>
            await AdminPage(http, pages, erasures, null, null)).RequireAuthorization(Policies.Admin);

        app.MapPost("/admin/erasures", async (HttpContext http, Pages pages, UserStore users, AccountErasures erasures) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var name = Forms.Value(form, "username")?.Trim() ?? "";
            var errors = new Dictionary<string, string>();
            var user = name.Length == 0 ? null : await users.FindByUsernameAsync(name, http.RequestAborted);
            if (user is null)
            {
                errors["username"] = "There is no account with that username.";
            }
            else if (user.Id == http.Viewer())
            {
                errors["username"] = "To delete your own account, use your account page.";
            }
            else if (!Forms.Checked(form, "confirm"))
            {
                errors["confirm"] = "Tick the box to confirm that this account is to be erased now.";
            }

            if (errors.Count > 0)
            {
                return await AdminPage(http, pages, erasures, errors, name, StatusCodes.Status400BadRequest);
            }

            await erasures.RequestAsync(user!.Id, byAdmin: true, grace: TimeSpan.Zero, ct: http.RequestAborted);
            return Results.Redirect("/admin/erasures?notice=account-erased");
        }).RequireAuthorization(Policies.Admin);

        app.MapGet("/api/v1/admin/erasures", async (AccountErasures erasures, CancellationToken ct) =>
        {
            var list = new List<ErasureResponse>();
            foreach (var e in await erasures.RecentAsync(ct: ct))
            {
                list.Add(ErasureResponse.From(e, await erasures.DeliveriesAsync(e, ct)));
            }

            return TypedResults.Ok(new ListResponse<ErasureResponse>(list, null));
        }).RequireAuthorization(Policies.ApiAdmin).WithTags("Admin").WithSummary("Recent account erasures and, per server, where their Delete went");
        return app;
    }

    private static async Task<IResult> AdminPage(HttpContext http, Pages pages, AccountErasures erasures, Dictionary<string, string>? errors, string? username,
        int status = StatusCodes.Status200OK)
    {
        var rows = new List<object>();
        foreach (var e in await erasures.RecentAsync(ct: http.RequestAborted))
        {
            var servers = await erasures.DeliveriesAsync(e, http.RequestAborted);
            rows.Add(new
            {
                e.ActorId,
                e.State,
                e.RequestedBy,
                RequestedAt = e.RequestedAt.UtcDateTime,
                EffectiveAt = e.EffectiveAt.UtcDateTime,
                FinishedAt = e.FinishedAt?.UtcDateTime,
                Servers = servers.Select(s => new { s.Server, s.State, s.Attempts }).ToList(),
            });
        }

        return await pages.RenderAsync(http, "admin-erasures", "Account erasures", new
        {
            Errors = errors ?? new Dictionary<string, string>(),
            Username = username,
            Erasures = rows,
        }, status);
    }
}
