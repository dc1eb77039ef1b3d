using Dapper;
using Kindred.ActivityPub;
using Kindred.Server.Data;
using Kindred.Server.Federation.Inbox;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Endpoints;

/// <summary>
/// A local member's "I hear you" on its ActivityPub id, <c>/users/{username}/likes/{id}</c> (see
/// <see cref="ActorUrls.Like"/>), so the ids we send resolve (ActivityPub §3.1: ids should be dereferenceable).
/// The Like is served exactly as it was sent, under the rules of the post it likes (<see cref="ObjectEndpoints"/>):
/// local-only groups never; members-only groups only to a validly signed request from an instance with a member (for
/// a group hosted elsewhere: from the group's own server); public federated groups to anyone.
/// A reaction that was taken back, or whose post was deleted, answers 404, not 410 like a deleted post: a deleted post
/// leaves a placeholder in its thread, but a taken-back reaction is erased, and keeping a record of it only to answer
/// "Gone" would keep what the member withdrew. Undo ids (<c>{like id}/undo</c>) have no route and answer 404 too.
/// Browsers are sent to the post's page when its group is public, as <c>/replies/{id}</c> does; there is no HTML page.
/// </summary>
public static class LikeEndpoints
{
    public static IEndpointRouteBuilder MapLikeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/users/{username}/likes/{id:guid}", ServeAsync);
        return app;
    }

    private const string Reaction = "SELECT post_id FROM post_likes WHERE activity_id = @likeId AND user_id IS NOT NULL";

    private static async Task<IResult> ServeAsync(string username, Guid id, HttpContext http, Database db, ActorUrls urls, LocalPosts posts,
        GroupAnnouncer announcer)
    {
        // Ids are built from the lower-cased username (ActorUrls.User), so the canonical URL is the one stored.
        var actor = urls.User(username);
        var likeId = ActorUrls.Like(actor, id);
        await using var c = await db.OpenAsync(http.RequestAborted);
        var postId = await c.QuerySingleOrDefaultAsync<Guid?>(Reaction, new { likeId = likeId.AbsoluteUri });
        if (postId is null || await posts.FindAsync(c, null, postId.Value) is not { } found || found.IsDeleted || found.IsRemoved
            || !GroupAnnouncer.Federates(found.Group) || !await MayServeAsync(http, c, found.Group))
        {
            return Results.NotFound();
        }

        if (!ActivityPubContent.IsRequested(http.Request))
        {
            // Post.Url is the thread's page here (LocalPosts sets it for every post).
            return found.Post.Url is { } page
                ? Results.Redirect(page.AbsoluteUri + (found.Post.InReplyTo is null ? "" : $"#reply-{postId}"))
                : Results.NotFound();
        }

        // The same document ReactionPublisher sent (with @context), so a fetch and a delivery agree.
        var like = ReactionOutbox.Like(announcer.ToOutbox(found.Group), likeId, actor, found.Post.Id, found.Author);
        return ActivityPubContent.Json(http, like);
    }

    private static async Task<bool> MayServeAsync(HttpContext http, System.Data.Common.DbConnection c, GroupActorRow group)
    {
        if (group.Visibility == "public")
        {
            return true;
        }

        if (!group.IsRemote)
        {
            return await ObjectEndpoints.FromMemberInstanceAsync(http, c, group.Id);
        }

        // A members-only group hosted elsewhere: its own server may check what our member sent it.
        return group.ApId is not null
            && await ActorEndpoints.SignerOfAsync(http, http.RequestServices.GetRequiredService<RequestVerifier>()) is { } signer
            && Origins.SameOrigin(group.ApId, signer.Owner.AbsoluteUri);
    }
}
