using Kindred.Server.Content;
using Kindred.Server.Features.Admin;
using Kindred.Server.Theming;

namespace Kindred.Server.Features.Home;

public static class HomePages
{
    public static IEndpointRouteBuilder MapHomePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http, Pages pages) => pages.RenderAsync(http, "home", "Home")).ExcludeFromDescription();

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
