using Kindred.Server.Web;
namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// The shared inbox and the per-actor inboxes. All go through <see cref="InboxReceiver"/>; which actor an
/// activity is for is decided by its addressing in the worker, not by the inbox it arrived at.
/// </summary>
public static class InboxEndpoints
{
    public static IEndpointRouteBuilder MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/inbox", (HttpContext http, InboxReceiver receiver) => receiver.ReceiveAsync(http)).AddEndpointFilter(Count);
        app.MapPost("/users/{username}/inbox", async (HttpContext http, string username, LocalActors local, InboxReceiver receiver) =>
            await local.FindPersonByNameAsync(username, http.RequestAborted) is null ? Results.NotFound() : await receiver.ReceiveAsync(http)).AddEndpointFilter(Count);
        // Group inboxes store like the shared inbox; group handlers come with the group federation work.
        app.MapPost("/groups/{slug}/inbox", (HttpContext http, InboxReceiver receiver) => receiver.ReceiveAsync(http)).AddEndpointFilter(Count);
        return app;
    }

    /// <summary>Counts every inbox answer by outcome for the metrics (<see cref="Diagnostics.KindredMetrics"/>).</summary>
    private static async ValueTask<object?> Count(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var result = await next(context);
        Diagnostics.KindredMetrics.InboxAnswered(result is IStatusCodeHttpResult { StatusCode: { } status } ? status : context.HttpContext.Response.StatusCode);
        return result;
    }
}
