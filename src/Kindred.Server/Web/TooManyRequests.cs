using System.Globalization;
using Kindred.Server.Theming;

namespace Kindred.Server.Web;

/// <summary>
/// Every 429 the web side gives (sign-in and registration limits, a busy password hasher) is explained the same way:
/// a themed page for browsers, RFC 9457 problem details for the API and other clients, and <c>Retry-After</c> for both.
/// </summary>
public static class TooManyRequests
{
    /// <summary>A browser page request (not the API), which gets HTML rather than problem details.</summary>
    public static bool WantsHtml(HttpRequest request) =>
        !request.Path.StartsWithSegments("/api")
        && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    /// <summary>429 as problem details, with Retry-After (API endpoints).</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(HttpContext http, TimeSpan retryAfter, string detail)
    {
        SetRetryAfter(http, retryAfter);
        return TypedResults.Problem(title: "Too many attempts", detail: detail, statusCode: StatusCodes.Status429TooManyRequests);
    }

    /// <summary>429 as a themed page for browsers, problem details for everyone else, with Retry-After.</summary>
    public static IResult Result(HttpContext http, TimeSpan retryAfter, string detail)
    {
        if (!WantsHtml(http.Request))
        {
            return Problem(http, retryAfter, detail);
        }

        var seconds = SetRetryAfter(http, retryAfter);
        var wait = seconds < 90 ? "a minute" : $"{(int)Math.Ceiling(seconds / 60.0)} minutes";
        return new PageResult("too-many-requests", "Please wait a moment", new { Message = detail, Wait = wait });
    }

    private static int SetRetryAfter(HttpContext http, TimeSpan retryAfter)
    {
        var seconds = (int)Math.Ceiling(Math.Clamp(retryAfter.TotalSeconds, 1, 24 * 3600));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds;
    }

    public static Task WriteAsync(HttpContext http, TimeSpan retryAfter, string detail) => Result(http, retryAfter, detail).ExecuteAsync(http);

    /// <summary>Renders a themed page with 429 when executed (the page needs the request's services).</summary>
    private sealed class PageResult(string page, string title, object model) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var pages = httpContext.RequestServices.GetRequiredService<Pages>();
            await (await pages.RenderAsync(httpContext, page, title, model, StatusCodes.Status429TooManyRequests)).ExecuteAsync(httpContext);
        }
    }
}
