using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Follow of a local Person: store the follower and queue an Accept (ActivityPub §7.2) to the follower's inbox,
/// both in one transaction. Follows of anything else (groups: the group federation work) are ignored here.
/// </summary>
public sealed class FollowHandler(LocalActors local, ActorResolver resolver, Database db, DeliveryQueue delivery, TimeProvider time, ILogger<FollowHandler> logger)
{
    private const string Upsert = """
        INSERT INTO remote_followers (local_actor_id, follower_id, follow_activity_id, inbox, shared_inbox, created_at)
        VALUES (@localActor, @follower, @followId, @inbox, @sharedInbox, @now)
        ON CONFLICT (local_actor_id, follower_id) DO UPDATE SET follow_activity_id = excluded.follow_activity_id,
            inbox = excluded.inbox, shared_inbox = excluded.shared_inbox
        """;

    public async Task HandleAsync(AsActivity follow, CancellationToken ct)
    {
        var target = follow.Object?.Id;
        if (target is null || await local.FindPersonAsync(target, ct) is not { } person)
        {
            logger.LogDebug("Follow {Id} is not for a local person; ignored", follow.Id);
            return;
        }

        // The follower's inbox comes from its own actor document, never from the activity.
        var follower = await resolver.GetActorAsync(follow.Actor!, refresh: false, ct);
        var inbox = follower.Inbox ?? throw new ResolutionException(ResolutionFailure.Invalid, $"{follower.Id} has no inbox.");
        var followId = follow.Id ?? new Uri($"urn:kindred:follow:{Ids.New(time)}");
        var accept = ActivityJson.Accept(
            new Uri($"{person.ActorId.AbsoluteUri}#accepts/{Ids.New(time)}"),
            person.ActorId,
            ActivityJson.Follow(followId, follower.Id, person.ActorId),
            follower.Id);
        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(Upsert, new
            {
                localActor = person.ActorId.AbsoluteUri, follower = follower.Id.AbsoluteUri, followId = followId.AbsoluteUri,
                inbox = inbox.AbsoluteUri, sharedInbox = follower.SharedInbox?.AbsoluteUri, now = time.GetUtcNow(),
            }, tx);
            // Sent to the follower's own inbox: an Accept concerns one actor.
            await delivery.EnqueueAsync(c, tx, person.ActorId.AbsoluteUri, JsonOutput.Serialize(accept), [new DeliveryTarget(inbox)], ct);
        }, ct);
        logger.LogInformation("{Follower} now follows {Person}; Accept queued", follower.Id, person.ActorId);
    }
}
