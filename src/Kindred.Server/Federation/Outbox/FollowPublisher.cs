using System.Data.Common;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Features.Changes;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// Membership across servers as activities, in the caller's transaction: our member's Follow of a group hosted
/// elsewhere and its Undo (ActivityPub §7.5, FEP-1b12) go to the group's inbox; our group's Accept or Reject of a
/// remote actor's Follow goes to that actor's own inbox (it concerns one actor).
/// </summary>
public sealed class FollowPublisher(DeliveryQueue delivery, ActorUrls urls, TimeProvider time, ILogger<FollowPublisher> logger)
{
    private const string GroupInbox = "SELECT ap_id, inbox FROM groups WHERE id = @id";

    private sealed record GroupRow
    {
        public string? ApId { get; init; }
        public string? Inbox { get; init; }
    }

    public async Task FollowAsync(DbConnection c, DbTransaction tx, RemoteJoinRequested join, CancellationToken ct)
    {
        if (await TargetAsync(c, tx, join.GroupId) is not var (group, inbox))
        {
            return;
        }

        var follow = ActivityJson.Follow(join.FollowId, join.Member, group);
        await delivery.EnqueueAsync(c, tx, join.Member.AbsoluteUri, JsonOutput.Serialize(follow), [new DeliveryTarget(inbox)], ct);
    }

    public async Task UndoAsync(DbConnection c, DbTransaction tx, RemoteGroupLeft left, CancellationToken ct)
    {
        if (await TargetAsync(c, tx, left.GroupId) is not var (group, inbox))
        {
            return;
        }

        var follow = ActivityJson.Follow(left.FollowId, left.Member, group);
        var undo = ActivityJson.Undo(new Uri($"{left.Member.AbsoluteUri}#undo/{Ids.New(time)}"), left.Member, follow, [group]);
        await delivery.EnqueueAsync(c, tx, left.Member.AbsoluteUri, JsonOutput.Serialize(undo), [new DeliveryTarget(inbox)], ct);
    }

    public async Task AnswerAsync(DbConnection c, DbTransaction tx, RemoteJoinAnswered answered, CancellationToken ct)
    {
        var group = await c.QuerySingleAsync<GroupActorRow>(GroupActor.ById, new { id = answered.GroupId }, tx);
        var outboxGroup = new OutboxGroup { Id = urls.Group(group.Slug), MembersOnly = group.Visibility != "public" };
        var answer = answered.Accepted
            ? GroupOutbox.Accept(outboxGroup, answered.FollowId, answered.Actor)
            : GroupOutbox.Reject(outboxGroup, answered.FollowId, answered.Actor);
        await delivery.EnqueueAsync(c, tx, outboxGroup.Id.AbsoluteUri, JsonOutput.Serialize(answer), [new DeliveryTarget(answered.Inbox)], ct);
    }

    private async Task<(Uri Group, Uri Inbox)?> TargetAsync(DbConnection c, DbTransaction tx, Guid groupId)
    {
        var row = await c.QuerySingleOrDefaultAsync<GroupRow>(GroupInbox, new { id = groupId }, tx);
        if (row is not { ApId: { } apId, Inbox: { } inbox })
        {
            logger.LogWarning("Remote group {Group} has no inbox; nothing sent", groupId);
            return null;
        }

        return (new Uri(apId), new Uri(inbox));
    }
}
