using System.Net;
using Kindred.Server.Configuration;
using Kindred.Server.Content;
using Kindred.Server.Features.Admin;
using Kindred.Server.Theming;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Help;

/// <summary>
/// The urgent help page, linked from every page: the instance's helplines, and a plain statement that this is not a
/// crisis service. It must never fail: without the database it lists the configured helplines, and if even the theme
/// cannot be rendered, a plain page lists them.
/// </summary>
public static class HelpPages
{
    public const string UrgentHelpPath = "/help/urgent";

    public static IEndpointRouteBuilder MapHelpPages(this IEndpointRouteBuilder app)
    {
        app.MapGet(UrgentHelpPath, async (HttpContext http, Pages pages, Helplines helplines) =>
        {
            var current = await helplines.GetAsync(http.RequestAborted);
            try
            {
                return await pages.RenderResilientAsync(http, "urgent-help", "Urgent help", Model(current));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                http.RequestServices.GetRequiredService<ILogger<Helplines>>().LogError(ex, "The urgent help page could not be rendered; answering with the plain one");
                return new PlainUrgentHelp(current);
            }
        }).ExcludeFromDescription();

        // How to reach the people who run the community (e.g. for a forgotten password, or a declined registration).
        app.MapGet("/contact", async (HttpContext http, Pages pages, InstanceSettings settings, SafeHtml safe) =>
        {
            var s = await settings.GetAsync(http.RequestAborted);
            return await pages.RenderAsync(http, "contact", "Contact the admins", new
            {
                Contact = string.IsNullOrWhiteSpace(s.Contact) ? null : safe.FromMarkdown(s.Contact),
            });
        }).ExcludeFromDescription();
        return app;
    }

    /// <summary>What the page shows of each helpline: links that work on a phone, and a text service as people say it.</summary>
    private static object Model(Helplines.Current current) => new
    {
        Helplines = current.List.Select(h =>
        {
            var (textLabel, textHref) = Helplines.TextService(h);
            return new
            {
                h.Name,
                h.Phone,
                PhoneHref = Helplines.PhoneHref(h),
                TextLabel = textLabel,
                TextHref = textHref,
                h.Url,
                h.Hours,
                h.Description,
                h.Country,
            };
        }).ToList(),
        current.IsExample,
    };

    /// <summary>For the exception handler: the page with the configured helplines, whatever else has failed.</summary>
    public static async Task WriteWithoutDatabaseAsync(HttpContext http)
    {
        var current = http.RequestServices.GetRequiredService<Helplines>().WithoutDatabase();
        http.Response.StatusCode = StatusCodes.Status200OK;
        try
        {
            var page = await http.RequestServices.GetRequiredService<Pages>().RenderResilientAsync(http, "urgent-help", "Urgent help", Model(current));
            await page.ExecuteAsync(http);
        }
        catch (Exception ex) when (!http.Response.HasStarted && ex is not OperationCanceledException)
        {
            http.RequestServices.GetRequiredService<ILogger<Helplines>>().LogError(ex, "The urgent help page could not be rendered; answering with the plain one");
            await new PlainUrgentHelp(current).ExecuteAsync(http);
        }
    }

    /// <summary>The urgent help page with nothing but the stylesheet.</summary>
    private sealed class PlainUrgentHelp(Helplines.Current current) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            static string E(string? s) => WebUtility.HtmlEncode(s ?? "");
            var items = string.Join("\n", current.List.Select(h =>
            {
                var (textLabel, textHref) = Helplines.TextService(h);
                var lines = new List<string>();
                if (h.Phone is not null)
                {
                    lines.Add($"<li>Call <a href=\"{E(Helplines.PhoneHref(h))}\">{E(h.Phone)}</a></li>");
                }

                if (textLabel is not null)
                {
                    lines.Add(textHref is null ? $"<li>{E(textLabel)}</li>" : $"<li><a href=\"{E(textHref)}\">{E(textLabel)}</a></li>");
                }

                if (h.Url is not null)
                {
                    lines.Add($"<li>Web: <a href=\"{E(h.Url)}\" rel=\"noopener noreferrer\">{E(h.Url)}</a></li>");
                }

                if (h.Hours is not null)
                {
                    lines.Add($"<li>Hours: {E(h.Hours)}</li>");
                }

                return $"<li><h2>{E(h.Name)}</h2>{(h.Description is null ? "" : $"<p>{E(h.Description)}</p>")}<ul>{string.Join("", lines)}</ul></li>";
            }));
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "text/html; charset=utf-8";
            await http.Response.WriteAsync($$"""
                <!DOCTYPE html>
                <html lang="en">
                <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex, nofollow">
                <title>Urgent help</title><link rel="stylesheet" href="/assets/site.css"></head>
                <body>
                <main id="main">
                <h1>Urgent help</h1>
                <p class="lead"><strong>This community is not a crisis service.</strong> If you are in danger, or you are worried you might act on
                thoughts of harming yourself, contact one of these now.</p>
                <ul class="helplines">
                {{items}}
                </ul>
                <p>If you cannot reach any of these, go to your nearest emergency department or ask someone you trust to stay with you.</p>
                </main>
                </body>
                </html>
                """, http.RequestAborted);
        }
    }
}
