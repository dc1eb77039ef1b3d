using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Delete of an actor by itself (Lemmy's delete_user, Mastodon's account deletion): forget its cached document and keys,
/// its follows of our actors and memberships, and erase every thread and reply of theirs held here (tombstones), the
/// same way they would have been deleted one by one. The signature has been checked: only the actor can delete itself.
/// </summary>
public sealed class DeleteActorHandler(ActorResolver resolver, Database db, PostStore posts, ILogger<DeleteActorHandler> logger)
{
    private const string DropFollows = "DELETE FROM remote_followers WHERE follower_id = @actor";

    public async Task HandleAsync(AsActivity delete, CancellationToken ct)
    {
        var actor = delete.Actor!;
        await resolver.ForgetActorAsync(actor, ct);
        var erased = await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(DropFollows, new { actor = actor.AbsoluteUri }, tx);
            await MemberStore.ForgetRemoteActorAsync(c, tx, actor);
            return await RemoteAuthorPosts.EraseAllAsync(c, tx, posts, actor);
        }, ct);
        logger.LogInformation("Remote actor {Actor} deleted itself; cached data dropped and {Count} post(s) erased", actor, erased);
    }
}
