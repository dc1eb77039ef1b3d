using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Content;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Keys;

/// <summary>What <see cref="KeyRotation.RotateActorKeysAsync"/> did.</summary>
public sealed record ActorKeyRotation(int Actors, int Updates, int Deliveries);

/// <summary>
/// <c>admin rotate-keys --actor-keys</c> (issue 20): every local actor (members, groups, the instance actor) gets new
/// keys under the same key ids, and an <c>Update</c> of the actor, carrying its new public keys, is queued for every
/// server that follows it or hosts a group it belongs to, so they refetch it. Peers that miss the Update refetch the
/// actor when a signature stops verifying (as Mastodon, Lemmy and Kindred do).
/// </summary>
public sealed class KeyRotation(Database db, ActorKeys keys, ActorDocuments documents, LocalActors local, ActorUrls urls, SafeHtml html,
    DeliveryQueue queue, TimeProvider time, ILogger<KeyRotation> logger)
{
    private const string LocalActorIds = "SELECT DISTINCT actor_id FROM actor_keys ORDER BY actor_id";

    // Who has to hear about a group's keys: its remote members and remote followers.
    private const string GroupAudience = """
        SELECT inbox, shared_inbox FROM remote_members WHERE group_id = @groupId AND inbox IS NOT NULL
        UNION
        SELECT inbox, shared_inbox FROM remote_followers WHERE local_actor_id = @actor
        """;

    // A member's: their remote followers and the remote groups they joined (those servers verify their signatures).
    private const string PersonAudience = """
        SELECT inbox, shared_inbox FROM remote_followers WHERE local_actor_id = @actor
        UNION
        SELECT g.inbox, g.shared_inbox FROM remote_group_follows f JOIN groups g ON g.id = f.group_id
        WHERE f.user_id = @userId AND f.state = 'joined' AND g.inbox IS NOT NULL
        """;

    // The instance actor signs our fetches: every server we know an inbox of.
    private const string InstanceAudience = """
        SELECT inbox, shared_inbox FROM remote_members WHERE inbox IS NOT NULL
        UNION
        SELECT inbox, shared_inbox FROM remote_followers
        UNION
        SELECT inbox, shared_inbox FROM groups WHERE origin <> 'local' AND inbox IS NOT NULL
        """;

    public async Task<ActorKeyRotation> RotateActorKeysAsync(CancellationToken ct)
    {
        List<string> actors;
        await using (var c = await db.OpenAsync(ct))
        {
            actors = (await c.QueryAsync<string>(new CommandDefinition(LocalActorIds, cancellationToken: ct))).ToList();
        }

        int updates = 0, deliveries = 0;
        foreach (var actor in actors)
        {
            var id = new Uri(actor);
            await db.InTransactionAsync(async (c, tx) => await keys.ReplaceAsync(c, tx, actor, ct), ct);
            var (document, audience, args) = await DescribeAsync(id, ct);
            if (document is null)
            {
                continue; // an actor that no longer exists (an erased member): nobody to tell
            }

            var update = ActivityJson.Activity("Update", new Uri($"{actor}#keys-{time.GetUtcNow().ToUnixTimeMilliseconds()}"), id, document,
                to: [new Uri("https://www.w3.org/ns/activitystreams#Public")]);
            var json = update.ToJsonString();
            deliveries += await db.InTransactionAsync(async (c, tx) =>
            {
                var targets = (await c.QueryAsync<(string Inbox, string? SharedInbox)>(new CommandDefinition(audience, args, tx, cancellationToken: ct)))
                    .Select(t => new DeliveryTarget(new Uri(t.Inbox), t.SharedInbox is null ? null : new Uri(t.SharedInbox))).ToList();
                return await queue.EnqueueAsync(c, tx, actor, json, targets, ct);
            }, ct);
            updates++;
        }

        logger.LogInformation("Rotated the keys of {Actors} local actors; {Deliveries} deliveries of {Updates} Updates queued", actors.Count, deliveries, updates);
        return new ActorKeyRotation(actors.Count, updates, deliveries);
    }

    private async Task<(JsonObject? Document, string Audience, object Args)> DescribeAsync(Uri actor, CancellationToken ct)
    {
        if (actor == urls.InstanceActor)
        {
            return (await documents.InstanceAsync(ct), InstanceAudience, new { });
        }

        if (urls.GroupSlugOf(actor) is { } slug && await GroupActor.FindBySlugAsync(db, slug, ct) is { IsRemote: false } group)
        {
            var k = await keys.GetPublicKeysAsync(actor.AbsoluteUri, ct);
            var summary = group.Description is null ? null : html.FromMarkdown(group.Description).Value;
            return (GroupActor.ToDocument(group, urls, k, summary), GroupAudience, new { groupId = group.Id, actor = actor.AbsoluteUri });
        }

        if (await local.FindPersonAsync(actor, ct) is { } person)
        {
            return (await documents.PersonAsync(person, full: true, ct), PersonAudience, new { actor = actor.AbsoluteUri, userId = person.UserId });
        }

        return (null, "", new { });
    }
}
