using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>Looking after a group: settings (owner), members and their roles, the join queue and invitations (moderators).</summary>
public static class GroupSettingsPages
{
    public static IEndpointRouteBuilder MapGroupSettingsPages(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/groups/{slug}").RequireAuthorization().ExcludeFromDescription();

        group.MapGet("/settings", async (string slug, HttpContext http, Pages pages, GroupQueries groups) =>
        {
            var g = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            if (g is not { CanRead: true })
            {
                return await FailurePages.NotFoundAsync(http, pages);
            }

            if (!g.IsOwner)
            {
                return await FailurePages.FailureAsync(http, pages, Outcome<bool>.Forbidden("Only the group's owner can change its settings."));
            }

            var values = new GroupRules.Fields(g.Slug, g.Name, g.Description, g.Rules, g.Visibility, g.JoinPolicy, g.JoinQuestion, g.Federation);
            return await SettingsPage(http, pages, g, values, new Dictionary<string, string>());
        });

        group.MapPost("/settings", async (string slug, HttpContext http, Pages pages, UpdateGroup update, GroupQueries groups) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var fields = GroupPages.ReadFields(form, withSlug: false);
            var result = await update.RunAsync(slug, http.Viewer(), fields, http.RequestAborted);
            if (result.Ok)
            {
                return Results.Redirect($"/groups/{slug.ToLowerInvariant()}/settings?notice=group-saved");
            }

            var g = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            return result.Failure == Failure.Invalid && g is not null
                ? await SettingsPage(http, pages, g, fields, result.Errors, StatusCodes.Status400BadRequest)
                : await FailurePages.FailureAsync(http, pages, result);
        });

        group.MapGet("/members", async (string slug, string? after, HttpContext http, Pages pages, GroupQueries groups, Members members, JoinQueue queue) =>
        {
            var viewer = http.Viewer();
            var list = await members.ListAsync(slug, viewer, after, ct: http.RequestAborted);
            if (!list.Ok)
            {
                return await FailurePages.FailureAsync(http, pages, list);
            }

            var g = (await groups.FindAsync(slug, viewer, http.RequestAborted))!;
            var requests = g.CanModerate ? (await queue.ListAsync(slug, viewer, null, ct: http.RequestAborted)).Value : null;
            return await pages.RenderAsync(http, "group-members", $"Members of {g.Name}", new
            {
                Group = new { g.Name, Url = $"/groups/{g.Slug.ToLowerInvariant()}", g.IsOwner, g.CanModerate, g.JoinQuestion },
                Members = list.Value!.Items.Select(m => new
                {
                    m.Username,
                    m.Role,
                    m.Label,
                    LabelText = MemberLabels.Describe(m.Label),
                    JoinedAt = m.JoinedAt.UtcDateTime,
                    Key = m.Username.ToLowerInvariant(),
                    m.IsRemote,
                    ActionKey = Uri.EscapeDataString(m.Username.ToLowerInvariant()),
                }).ToList(),
                Next = WebViews.NextLink(http, list.Value.Next, "after"),
                Requests = requests?.Items.Select(r => new { r.Id, r.Username, r.Answer, r.ProfileUrl, CreatedAt = r.CreatedAt.UtcDateTime }).ToList(),
                MoreRequests = requests?.Next is not null,
                Roles = GroupRoles.All,
            });
        });

        group.MapPost("/members/{username}", async (string slug, string username, HttpContext http, Pages pages, Members members) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = await members.SetRoleAsync(slug, http.Viewer(), username, Forms.Value(form, "role"), Forms.Value(form, "label") ?? "none", http.RequestAborted);
            return result.Ok ? Results.Redirect($"/groups/{slug.ToLowerInvariant()}/members?notice=role-saved") : await FailurePages.FailureAsync(http, pages, result);
        });

        group.MapPost("/requests/{id:guid}/{decision:regex(^(approve|decline)$)}", async (string slug, Guid id, string decision, HttpContext http, Pages pages, JoinQueue queue) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = await queue.DecideAsync(slug, http.Viewer(), id, decision == "approve", http.RequestAborted);
            return result.Ok
                ? Results.Redirect($"/groups/{slug.ToLowerInvariant()}/members?notice=request-{decision}d")
                : await FailurePages.FailureAsync(http, pages, result);
        });

        group.MapPost("/invitations", async (string slug, HttpContext http, Pages pages, JoinQueue queue) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = await queue.InviteAsync(slug, http.Viewer(), Forms.Value(form, "username"), http.RequestAborted);
            return result.Ok
                ? Results.Redirect($"/groups/{slug.ToLowerInvariant()}/members?notice=invited")
                : await FailurePages.FailureAsync(http, pages, result.Failure == Failure.Invalid ? result with { Message = result.Errors.Values.First() } : result);
        });

        return app;
    }

    private static Task<IResult> SettingsPage(HttpContext http, Pages pages, GroupView g, GroupRules.Fields values, IReadOnlyDictionary<string, string> errors, int status = 200) =>
        pages.RenderAsync(http, "group-settings", $"Settings of {g.Name}", new
        {
            Group = new { g.Name, g.Slug, Url = $"/groups/{g.Slug.ToLowerInvariant()}" },
            Values = values,
            Errors = errors.ToDictionary(e => e.Key, e => e.Value),
        }, status);
}
