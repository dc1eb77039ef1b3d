using Kindred.Server.Theming;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>The "join a group on another server" form on the groups page: the address, then the group's own page.</summary>
public static class RemoteGroupPages
{
    public static IEndpointRouteBuilder MapRemoteGroupPages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/groups/join-remote", async (HttpContext http, Pages pages, GroupQueries groups, CreateGroup create, RemoteMembership remote) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            var address = (Forms.Value(form, "address") ?? "").Trim().TrimStart('@');
            var result = address.Length == 0
                ? Outcome<JoinResult>.Invalid("address", "Enter the group's address, like name@example.org.")
                : await remote.JoinAsync(address, http.Viewer(), http.RequestAborted);
            if (result.Ok && RemoteGroupAddress.TryParse(address, out var acct))
            {
                // The handle is the group's slug here, and its characters are all safe in a path.
                var notice = result.Value == JoinResult.Joined ? "joined" : "remote-join-requested";
                return Results.Redirect($"/groups/{acct.Handle}?notice={notice}");
            }

            // Every failure is shown next to the address: unknown, not a group, unreachable, refused by policy.
            var errors = result.Errors.Count > 0 ? result.Errors : new Dictionary<string, string> { ["address"] = result.Message ?? "That did not work." };
            return await GroupPages.ListPageAsync(http, pages, groups, create, null, mine: true, address, errors, result.Failure switch
            {
                Failure.Unreachable => StatusCodes.Status502BadGateway,
                Failure.NotFound => StatusCodes.Status404NotFound,
                Failure.Forbidden => StatusCodes.Status403Forbidden,
                _ => StatusCodes.Status400BadRequest,
            });
        }).RequireAuthorization().ExcludeFromDescription();

        // A member of a group on another server asks for its recent threads again (issue 11.9); at most once per cooldown.
        app.MapPost("/groups/{slug}/backfill", async (string slug, HttpContext http, Pages pages, GroupQueries groups, RemoteGroupBackfillRequests backfill) =>
        {
            if (await Forms.ReadAsync(http) is not { } form)
            {
                return await Forms.ExpiredAsync(http);
            }

            if (await groups.FindAsync(slug, http.Viewer(), http.RequestAborted) is not { IsRemote: true, IsMember: true } group)
            {
                return await FailurePages.NotFoundAsync(http, pages);
            }

            var answer = await backfill.RequestAsync(group.Id, http.RequestAborted);
            var notice = answer == RemoteGroupBackfillRequests.Answer.Queued ? "backfill-requested" : "backfill-recent";
            return Results.Redirect($"/groups/{group.Slug.ToLowerInvariant()}?notice={notice}");
        }).RequireAuthorization().ExcludeFromDescription();

        return app;
    }
}
