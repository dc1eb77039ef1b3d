using Kindred.Server.Web;
using System.Net;
using Kindred.Server.Features.Help;
using Kindred.Server.Theming;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;

namespace Kindred.Server.Hosting;

/// <summary>
/// The errors the framework answers by itself (an unknown address, a wrong method, too many attempts, a failure): a
/// browser gets a themed page that says what happened and offers a way on (back, home, urgent help); API clients
/// keep RFC 9457 problem details. The urgent help page itself never answers with an error.
/// </summary>
public static class ErrorPages
{
    /// <summary>Browsers ask for HTML; API clients, ActivityPub servers and scripts do not. The API never answers with HTML.</summary>
    public static bool WantsHtml(HttpRequest request)
    {
        if (request.Path.StartsWithSegments("/api"))
        {
            return false;
        }

        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.Quality is not 0 && (a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase)
                                                      || a.MediaType.Equals("application/xhtml+xml", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>What a person is told for <paramref name="status"/>: a heading and what happened, in plain words.</summary>
    public static (string Heading, string Message) Describe(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ("That did not work", "Something in what was sent could not be read. Nothing was changed."),
        StatusCodes.Status401Unauthorized => ("Please sign in", "You need to be signed in to see this."),
        StatusCodes.Status403Forbidden => ("You cannot open this page", "Your account does not have access to this page."),
        StatusCodes.Status404NotFound => ("Page not found",
            "There is nothing at this address. It may have been moved or deleted, or the link may have a typing mistake in it."),
        StatusCodes.Status405MethodNotAllowed => ("This address is not a page",
            "This address only takes a form as it is sent, so it cannot be opened by itself. Nothing was changed."),
        StatusCodes.Status413PayloadTooLarge => ("That was too large to send", "Please send something shorter. Nothing was changed."),
        StatusCodes.Status429TooManyRequests => ("Too many attempts",
            "For everyone's safety, this can only be tried a few times in a row. Please wait a minute, then try again."),
        StatusCodes.Status503ServiceUnavailable => ("This community is not available right now", "Please try again in a few minutes."),
        >= 500 => ("Something went wrong on our side",
            "This is not your fault, and nothing you did caused it. Please try again in a few minutes; if it keeps happening, tell the admins."),
        _ => ("That did not work", "Nothing was changed."),
    };

    /// <summary>Answers <paramref name="status"/> with a page (browsers) or problem details (everyone else).</summary>
    public static async Task WriteAsync(HttpContext http, int status, string? detail = null)
    {
        http.Response.StatusCode = status;
        if (!WantsHtml(http.Request))
        {
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            var context = new ProblemDetailsContext { HttpContext = http };
            context.ProblemDetails.Status = status;
            context.ProblemDetails.Detail = detail;
            if (status == StatusCodes.Status429TooManyRequests)
            {
                context.ProblemDetails.Title = "Too many attempts";
            }

            // A client that accepts neither JSON nor HTML (e.g. only application/activity+json) gets the status line in plain text.
            if (!await problems.TryWriteAsync(context))
            {
                http.Response.ContentType = "text/plain; charset=utf-8";
                await http.Response.WriteAsync($"{status} {ReasonPhrases.GetReasonPhrase(status)}", http.RequestAborted);
            }

            return;
        }

        var (heading, message) = Describe(status);
        try
        {
            var page = await http.RequestServices.GetRequiredService<Pages>().RenderResilientAsync(http, "error", heading,
                new { Heading = heading, Message = detail ?? message }, status);
            await page.ExecuteAsync(http);
        }
        catch (Exception ex) when (!http.Response.HasStarted && ex is not OperationCanceledException)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ErrorPages))
                .LogError(ex, "The themed error page could not be rendered; answering with the plain one");
            await WritePlainAsync(http, status, heading, detail ?? message);
        }
    }

    /// <summary>The exception handler: a failure is a 500 page (or the status a bad request carries); for the urgent help page, the page itself.</summary>
    public static async Task HandleExceptionAsync(HttpContext http)
    {
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (http.Request.Path.Equals(HelpPages.UrgentHelpPath, StringComparison.OrdinalIgnoreCase) && HttpMethods.IsGet(http.Request.Method))
        {
            // Whatever failed on the way (the database, the session check), the helplines are still shown.
            await HelpPages.WriteWithoutDatabaseAsync(http);
            return;
        }

        var status = error is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
        await WriteAsync(http, status);
    }

    /// <summary>A page that needs nothing but the stylesheet: for when even the theme cannot be rendered.</summary>
    public static async Task WritePlainAsync(HttpContext http, int status, string heading, string message)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        var h = WebUtility.HtmlEncode(heading);
        await http.Response.WriteAsync($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex, nofollow">
            <title>{{h}}</title><link rel="stylesheet" href="/assets/site.css"></head>
            <body>
            <header class="site-header"><a class="urgent-help" href="{{HelpPages.UrgentHelpPath}}">Need urgent help?</a></header>
            <main id="main">
            <h1>{{h}}</h1>
            <p>{{WebUtility.HtmlEncode(message)}}</p>
            <ul class="ways-on">
            <li>Back: your browser's Back button returns you to where you were.</li>
            <li><a href="/">Go to the home page</a></li>
            <li>If you need to talk to someone now, <a href="{{HelpPages.UrgentHelpPath}}">find urgent help</a>.</li>
            </ul>
            </main>
            </body>
            </html>
            """, http.RequestAborted);
    }
}
