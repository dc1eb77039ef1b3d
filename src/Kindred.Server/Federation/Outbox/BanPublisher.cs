using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Features.Changes;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// A ban of someone on another server, as Lemmy sends it: the moderator's <c>Block</c> of the person with the group as
/// <c>target</c>, the reason as <c>summary</c>, <c>endTime</c> for a ban that ends and <c>removeData</c>; <c>Undo(Block)</c>
/// lifts it. Sent to the group's members' servers and to the person's own, and Announced by the group.
/// </summary>
public sealed class BanPublisher(GroupAnnouncer announcer, DeliveryQueue delivery, ActorUrls urls)
{
    public static JsonObject Block(OutboxGroup group, Uri moderator, Uri person, string? reason, DateTimeOffset? endTime, bool removeData, DateTimeOffset bannedAt)
    {
        ArgumentNullException.ThrowIfNull(group);
        var (to, cc) = GroupOutbox.PostAddressing(group);
        var block = ActivityJson.Activity("Block", Id(group, "bans", person, bannedAt), moderator, ActivityJson.Ref(person), to, cc, group.Id, target: group.Id);
        if (!string.IsNullOrEmpty(reason))
        {
            block["summary"] = reason;
        }

        if (endTime is { } end)
        {
            block["endTime"] = end.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        block["removeData"] = removeData;
        return block;
    }

    public static JsonObject UndoBlock(OutboxGroup group, Uri moderator, Uri person, DateTimeOffset bannedAt)
    {
        var (to, cc) = GroupOutbox.PostAddressing(group);
        var undo = ActivityJson.Undo(Id(group, "unbans", person, bannedAt), moderator, Block(group, moderator, person, null, null, false, bannedAt), to, cc);
        undo["audience"] = group.Id.AbsoluteUri;
        return undo;
    }

    public async Task PublishAsync(DbConnection c, DbTransaction tx, MemberBanned change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        var row = await c.QuerySingleOrDefaultAsync<GroupActorRow>(GroupActor.ById, new { id = change.GroupId }, tx);
        if (row is null || !GroupAnnouncer.Federates(row))
        {
            return;
        }

        var group = announcer.ToOutbox(row);
        var moderator = urls.User(change.Moderator);
        var activity = change.Lifted
            ? UndoBlock(group, moderator, change.Actor, change.BannedAt)
            : Block(group, moderator, change.Actor, change.Reason, change.ExpiresAt, change.RemoveContent, change.BannedAt);
        await announcer.SendAsync(c, tx, row, moderator, activity, ct);
        if (change.Inbox is { } inbox)
        {
            // Their own server is told too (the member row may be gone by the time the queue collapses inboxes).
            await delivery.EnqueueAsync(c, tx, moderator.AbsoluteUri, JsonOutput.Serialize(activity), [new DeliveryTarget(inbox, null)], ct);
        }

        await announcer.AnnounceAsync(c, tx, row, activity, objectId: null, ct);
    }

    private static Uri Id(OutboxGroup group, string kind, Uri person, DateTimeOffset at) =>
        new($"{group.Id.AbsoluteUri}#{kind}/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(person.AbsoluteUri)))[..16]}/{at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}");
}
