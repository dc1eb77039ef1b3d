using Kindred.Server.Content;
using Kindred.Server.Features.Admin;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Threads;
using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Home;

public static class HomePages
{
    public static IEndpointRouteBuilder MapHomePages(this IEndpointRouteBuilder app)
    {
        // Home: your groups, threads in them waiting for a reply, and groups to discover. Five queries, whatever the numbers.
        app.MapGet("/", async (HttpContext http, Pages pages, GroupQueries groups, ThreadQueries threads) =>
        {
            var viewer = http.Viewer();
            var mine = viewer == Guid.Empty ? new Page<GroupView>([], null) : await groups.ListMineAsync(viewer, null, ct: http.RequestAborted);
            var waiting = viewer == Guid.Empty ? new Page<ThreadSummary>([], null) : await threads.WaitingForMemberAsync(viewer, null, 10, http.RequestAborted);
            var discover = await groups.ListVisibleAsync(viewer, null, 50, http.RequestAborted);
            return await pages.RenderAsync(http, "home", "Home", new
            {
                MyGroups = mine.Items.Select(g => new { g.Name, Url = $"/groups/{g.Slug.ToLowerInvariant()}" }).ToList(),
                MoreMine = mine.Next is not null,
                Waiting = waiting.Items.Select(WebViews.SummaryModel).ToList(),
                MoreWaiting = waiting.Next is not null,
                Discover = discover.Items.Where(g => !g.IsMember).Take(20)
                    .Select(g => new { g.Name, g.Description, g.MemberCount, Url = $"/groups/{g.Slug.ToLowerInvariant()}" }).ToList(),
            });
        }).ExcludeFromDescription();

        app.MapGet("/guidelines", async (HttpContext http, Pages pages, InstanceSettings settings, SafeHtml safe) =>
        {
            var s = await settings.GetAsync(http.RequestAborted);
            return await pages.RenderAsync(http, "guidelines", "Community guidelines", new
            {
                Guidelines = safe.FromMarkdown(s.Guidelines),
                Version = s.GuidelinesLabel,
            });
        }).ExcludeFromDescription();

        app.MapGet("/forbidden", (HttpContext http, Pages pages) => pages.RenderAsync(http, "error", "Not allowed", new
        {
            Heading = "You cannot open this page",
            Message = "Your account does not have access to this page.",
        }, StatusCodes.Status403Forbidden)).ExcludeFromDescription();

        return app;
    }

    /// <summary>robots.txt that matches the indexing setting (the meta tag and X-Robots-Tag header say the same).</summary>
    public static IEndpointRouteBuilder MapRobots(this IEndpointRouteBuilder app)
    {
        app.MapGet("/robots.txt", async (InstanceSettings settings, HttpContext http) =>
        {
            var s = await settings.GetAsync(http.RequestAborted);
            return Results.Text(s.AllowSearchIndexing
                ? "User-agent: *\nDisallow: /account\nDisallow: /admin\n"
                : "User-agent: *\nDisallow: /\n", "text/plain");
        }).ExcludeFromDescription();
        return app;
    }
}
