using Dapper;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Federation.Inbox;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Endpoints;

/// <summary>
/// A group's threads and replies as ActivityStreams objects on their ids: <c>/threads/{id}</c> (a Page; the same URL
/// is the HTML page, chosen by content negotiation) and <c>/replies/{id}</c> (a Note; browsers are sent to the reply in
/// its thread). Local-only groups' posts are never served. Members-only groups' posts are served only to a request
/// with a valid HTTP signature from an instance where the group has a member. Deleted posts answer 410 with a Tombstone.
/// </summary>
public static class ObjectEndpoints
{
    public static IEndpointRouteBuilder MapObjectEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/replies/{id:guid}", async (Guid id, HttpContext http, Database db) =>
        {
            if (ActivityPubContent.IsRequested(http.Request))
            {
                return await ServePostAsync(http, id);
            }

            await using var c = await db.OpenAsync(http.RequestAborted);
            var thread = await c.QuerySingleOrDefaultAsync<Guid?>("SELECT thread_id FROM replies WHERE id = @id", new { id });
            return thread is null ? Results.NotFound() : Results.Redirect($"/threads/{thread}#reply-{id}");
        });
        return app;
    }

    /// <summary>The Page or Note for <c>GET /threads/{id}</c> or <c>/replies/{id}</c> asked for as AS2.</summary>
    public static async Task<IResult> ServePostAsync(HttpContext http, Guid id)
    {
        var services = http.RequestServices;
        await using var c = await services.GetRequiredService<Database>().OpenAsync(http.RequestAborted);
        var found = await services.GetRequiredService<LocalPosts>().FindAsync(c, null, id);
        // Only our own posts are served from our URLs; remote members' posts live on their servers.
        if (found is null || !found.IsLocal || !GroupAnnouncer.Federates(found.Group))
        {
            return Results.NotFound();
        }

        if (found.Group.Visibility != "public" && !await FromMemberInstanceAsync(http, c, found.Group.Id))
        {
            return Results.NotFound();
        }

        // Removed by moderators: not served while removed (it may be restored, so it is not a Tombstone).
        if (found.IsRemoved)
        {
            return Results.NotFound();
        }

        if (found.IsDeleted)
        {
            return ActivityPubContent.Json(http, ActivityJson.WithContext(ActivityJson.Tombstone(found.Post.Id, found.Post.IsThread ? "Page" : "Note")), status: 410);
        }

        var group = services.GetRequiredService<GroupAnnouncer>().ToOutbox(found.Group);
        return ActivityPubContent.Json(http, GroupOutbox.Served(group, found.Post));
    }

    private const string MemberActors = "SELECT actor_id FROM remote_members WHERE group_id = @groupId AND state = 'member'";

    private const string MemberOrInvitedActors = "SELECT actor_id FROM remote_members WHERE group_id = @groupId AND state IN ('member', 'invited')";

    /// <summary>
    /// A valid signature by an actor on an instance where the group has a member (authorized fetch); with
    /// <paramref name="orInvited"/>, also where someone was invited (their server must see the group to join it).
    /// </summary>
    public static async Task<bool> FromMemberInstanceAsync(HttpContext http, System.Data.Common.DbConnection c, Guid groupId, bool orInvited = false)
    {
        if (await ActorEndpoints.SignerOfAsync(http, http.RequestServices.GetRequiredService<RequestVerifier>()) is not { } signer)
        {
            return false;
        }

        var members = await c.QueryAsync<string>(orInvited ? MemberOrInvitedActors : MemberActors, new { groupId });
        return members.Any(m => Origins.SameOrigin(m, signer.Owner.AbsoluteUri));
    }
}
