namespace Kindred.Server.Federation.Endpoints;

/// <summary>
/// A group's page is also its ActivityPub actor, and a thread's page its ActivityPub <c>Page</c> (FEP-1b12): one URL,
/// chosen by content negotiation. This middleware answers ActivityPub requests for those URLs before the feature's
/// HTML endpoint runs, so the feature pages never call Federation.
/// </summary>
public static class ActivityPubNegotiation
{
    public static IApplicationBuilder UseActivityPubNegotiation(this IApplicationBuilder app) =>
        app.Use(async (http, next) =>
        {
            if ((HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
                && ActivityPubContent.IsRequested(http.Request)
                && ServeAsync(http) is { } serving)
            {
                await (await serving).ExecuteAsync(http);
                return;
            }

            await next(http);
        });

    private static Task<IResult>? ServeAsync(HttpContext http)
    {
        var segments = (http.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments switch
        {
            ["groups", var slug] => ActorEndpoints.ServeGroupAsync(http, Uri.UnescapeDataString(slug)),
            ["threads", var id] when Guid.TryParse(id, out var threadId) => ObjectEndpoints.ServePostAsync(http, threadId),
            _ => null,
        };
    }
}
