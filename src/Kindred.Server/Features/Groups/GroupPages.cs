using Kindred.Server.Content;
using Kindred.Server.Features.Threads;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>Group pages: the list, opening a group, the group page, joining and leaving, its "waiting for a reply" list.</summary>
public static class GroupPages
{
    public static IEndpointRouteBuilder MapGroupPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/groups", (HttpContext http, Pages pages, GroupQueries groups, CreateGroup create, string? after, string? mine) =>
            ListPageAsync(http, pages, groups, create, after, mine == "1", null, null)).ExcludeFromDescription();

        app.MapGet("/groups/new", async (HttpContext http, Pages pages, CreateGroup create) =>
            await create.MayCreateAsync(http.Viewer(), http.RequestAborted)
                ? await FormPage(http, pages, new GroupRules.Fields(null, null, null, null, Group.Public, Group.Open, null, create.DefaultFederation), new Dictionary<string, string>())
                : await FailurePages.FailureAsync(http, pages, Outcome<bool>.Forbidden("Only admins can open groups on this instance.")))
            .RequireAuthorization().ExcludeFromDescription();

        app.MapPost("/groups", async (HttpContext http, Pages pages, CreateGroup create) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var fields = ReadFields(form, withSlug: true);
            var result = await create.RunAsync(http.Viewer(), fields, http.RequestAborted);
            if (result.Ok)
            {
                return Results.Redirect($"/groups/{result.Value!.Slug.ToLowerInvariant()}?notice=group-created");
            }

            return result.Errors.Count > 0
                ? await FormPage(http, pages, fields, result.Errors, StatusCodes.Status400BadRequest)
                : await FailurePages.FailureAsync(http, pages, result);
        }).RequireAuthorization().ExcludeFromDescription();

        app.MapGet("/groups/{slug}", async (string slug, string? before, HttpContext http, Pages pages, GroupQueries groups, ThreadQueries threads, SafeHtml safe) =>
        {
            var group = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            if (group is null)
            {
                return await FailurePages.NotFoundAsync(http, pages);
            }

            IReadOnlyList<ThreadSummary> pinned = [];
            Page<ThreadSummary> list = new([], null);
            Page<ThreadSummary> waiting = new([], null);
            if (group.CanRead)
            {
                (pinned, list) = await threads.ListAsync(group.Id, before, ct: http.RequestAborted);
                waiting = before is null ? await threads.WaitingInGroupAsync(group.Id, null, 5, http.RequestAborted) : waiting;
            }

            return await pages.RenderAsync(http, "group", group.Name, new
            {
                Group = WebViews.GroupModel(group, safe),
                SignedIn = http.Viewer() != Guid.Empty,
                Pinned = pinned.Select(WebViews.SummaryModel).ToList(),
                Threads = list.Items.Select(WebViews.SummaryModel).ToList(),
                Waiting = waiting.Items.Select(WebViews.SummaryModel).ToList(),
                MoreWaiting = waiting.Next is not null,
                Next = WebViews.NextLink(http, list.Next, "before"),
                IsFirstPage = before is null,
            });
        }).ExcludeFromDescription();

        app.MapGet("/groups/{slug}/waiting", async (string slug, string? after, HttpContext http, Pages pages, GroupQueries groups, ThreadQueries threads) =>
        {
            var group = await groups.FindAsync(slug, http.Viewer(), http.RequestAborted);
            if (group is not { CanRead: true })
            {
                return await FailurePages.NotFoundAsync(http, pages);
            }

            var page = await threads.WaitingInGroupAsync(group.Id, after, ct: http.RequestAborted);
            return await pages.RenderAsync(http, "waiting", $"Waiting for a reply in {group.Name}", new
            {
                GroupName = group.Name,
                GroupUrl = $"/groups/{group.Slug.ToLowerInvariant()}",
                Threads = page.Items.Select(WebViews.SummaryModel).ToList(),
                Next = WebViews.NextLink(http, page.Next, "after"),
            });
        }).ExcludeFromDescription();

        app.MapPost("/groups/{slug}/join", async (string slug, HttpContext http, Pages pages, Membership membership, RemoteMembership remote) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = RemoteGroupAddress.IsRemote(slug)
                ? await remote.JoinAsync(slug, http.Viewer(), http.RequestAborted)
                : await membership.JoinAsync(slug, http.Viewer(), Forms.Value(form, "answer"), http.RequestAborted);
            if (!result.Ok)
            {
                return await FailurePages.FailureAsync(http, pages, result);
            }

            var pending = RemoteGroupAddress.IsRemote(slug) ? "remote-join-requested" : "join-requested";
            return Results.Redirect($"/groups/{slug.ToLowerInvariant()}?notice={(result.Value == JoinResult.Joined ? "joined" : pending)}");
        }).RequireAuthorization().ExcludeFromDescription();

        app.MapPost("/groups/{slug}/leave", async (string slug, HttpContext http, Pages pages, Membership membership, RemoteMembership remote) =>
        {
            if (await Forms.ReadAsync(http) is null)
            {
                return await Forms.ExpiredAsync(http);
            }

            var result = RemoteGroupAddress.IsRemote(slug)
                ? await remote.LeaveAsync(slug, http.Viewer(), http.RequestAborted)
                : await membership.LeaveAsync(slug, http.Viewer(), http.RequestAborted);
            return result.Ok ? Results.Redirect("/groups?notice=left") : await FailurePages.FailureAsync(http, pages, result);
        }).RequireAuthorization().ExcludeFromDescription();

        return app;
    }

    /// <summary>The groups list; also re-rendered (400) with the "join a group on another server" form's error and input.</summary>
    internal static async Task<IResult> ListPageAsync(HttpContext http, Pages pages, GroupQueries groups, CreateGroup create, string? after, bool mine,
        string? address, IReadOnlyDictionary<string, string>? errors, int status = StatusCodes.Status200OK)
    {
        var viewer = http.Viewer();
        var onlyMine = mine && viewer != Guid.Empty;
        var page = onlyMine
            ? await groups.ListMineAsync(viewer, after, ct: http.RequestAborted)
            : await groups.ListVisibleAsync(viewer, after, ct: http.RequestAborted);
        return await pages.RenderAsync(http, "groups", onlyMine ? "Your groups" : "Groups", new
        {
            OnlyMine = onlyMine,
            Groups = page.Items.Select(g => new
            {
                g.Name, g.Description, g.MemberCount, Url = $"/groups/{g.Slug.ToLowerInvariant()}", g.IsMember, g.IsRemote, g.Origin,
                RemoteState = g.IsMember ? null : g.ViewerRemoteState,
                IsGone = g.GoneAt is not null,
            }).ToList(),
            Next = WebViews.NextLink(http, page.Next, "after", onlyMine ? "mine=1&" : null),
            CanCreate = viewer != Guid.Empty && await create.MayCreateAsync(viewer, http.RequestAborted),
            Address = address,
            Errors = errors?.ToDictionary(e => e.Key, e => e.Value) ?? [],
        }, status);
    }

    internal static GroupRules.Fields ReadFields(IFormCollection form, bool withSlug) => new(
        withSlug ? Forms.Value(form, "slug") : null,
        Forms.Value(form, "name") ?? "",
        Forms.Value(form, "description") ?? "",
        Forms.Value(form, "rules") ?? "",
        Forms.Value(form, "visibility") ?? "",
        Forms.Value(form, "joinPolicy") ?? "",
        Forms.Value(form, "joinQuestion") ?? "",
        Forms.Value(form, "federation") ?? "");

    private static Task<IResult> FormPage(HttpContext http, Pages pages, GroupRules.Fields values, IReadOnlyDictionary<string, string> errors, int status = 200) =>
        pages.RenderAsync(http, "group-new", "Open a group", new { Values = values, Errors = errors.ToDictionary(e => e.Key, e => e.Value) }, status);
}
