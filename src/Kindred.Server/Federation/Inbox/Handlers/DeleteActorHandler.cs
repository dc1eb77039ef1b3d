using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

using Kindred.Server.Features.Groups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>Delete of an actor by itself: forget its cached document and keys, and its follows of our actors.</summary>
public sealed class DeleteActorHandler(ActorResolver resolver, Database db, ILogger<DeleteActorHandler> logger)
{
    private const string DropFollows = "DELETE FROM remote_followers WHERE follower_id = @actor";

    public async Task HandleAsync(AsActivity delete, CancellationToken ct)
    {
        var actor = delete.Actor!;
        await resolver.ForgetActorAsync(actor, ct);
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(DropFollows, new { actor = actor.AbsoluteUri });
        await MemberStore.ForgetRemoteActorAsync(c, null, actor);
        logger.LogInformation("Remote actor {Actor} deleted itself; cached data dropped", actor);
    }
}
