using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// The group's side of FEP-1b12 delivery, always inside the caller's transaction: send an activity to every remote
/// member's (shared) inbox, have the group Announce it, and keep the Announce in the group's outbox. Local-only
/// groups never reach here with anything to send: <see cref="Federates"/> is checked first.
/// </summary>
public sealed class GroupAnnouncer(ActorUrls urls, DeliveryQueue delivery, TimeProvider time, ILogger<GroupAnnouncer> logger)
{
    /// <summary>Only federated groups ever send anything (PRODUCT.md: local-only groups never leave the instance).</summary>
    public static bool Federates(GroupActorRow group) => group.Federation == "federated";

    public OutboxGroup ToOutbox(GroupActorRow group) => new()
    {
        Id = group is { IsRemote: true, ApId: { } apId } ? new Uri(apId) : urls.Group(group.Slug),
        MembersOnly = group.Visibility != "public",
    };

    private const string Targets = "SELECT inbox, shared_inbox FROM remote_members WHERE group_id = @groupId AND state = 'member' AND inbox IS NOT NULL";

    /// <summary>The remote members' inboxes (the queue collapses them to one per shared inbox).</summary>
    public static async Task<IReadOnlyList<DeliveryTarget>> TargetsAsync(DbConnection c, DbTransaction tx, Guid groupId)
    {
        var rows = await c.QueryAsync<TargetRow>(Targets, new { groupId }, tx);
        return rows.Select(r => new DeliveryTarget(new Uri(r.Inbox), r.SharedInbox is null ? null : new Uri(r.SharedInbox))).ToList();
    }

    /// <summary>Queues <paramref name="activity"/>, signed by <paramref name="signer"/> (a local actor), to the members.</summary>
    public async Task SendAsync(DbConnection c, DbTransaction tx, GroupActorRow group, Uri signer, JsonObject activity, CancellationToken ct)
    {
        if (!Federates(group))
        {
            return;
        }

        var json = Checked(group, activity);
        await delivery.EnqueueAsync(c, tx, signer.AbsoluteUri, json, await TargetsAsync(c, tx, group.Id), ct);
    }

    private const string Record = """
        INSERT INTO group_activities (id, group_id, activity_id, object_id, body, created_at)
        VALUES (@id, @groupId, @activityId, @objectId, @body, @at)
        ON CONFLICT (activity_id) DO NOTHING
        """;

    /// <summary>
    /// The group Announces <paramref name="activity"/> (embedded whole, FEP-1b12) to all its remote members and keeps it
    /// in its outbox. Members on the sender's own instance get it too; receivers deduplicate by activity id.
    /// <paramref name="keepInOutbox"/> false sends without keeping it (reactions: the outbox is readable by other
    /// servers, and a list of Likes there would be a count). <paramref name="verbatim"/>: a remote member's activity as
    /// received, embedded unchanged.
    /// </summary>
    public async Task<JsonObject?> AnnounceAsync(DbConnection c, DbTransaction tx, GroupActorRow group, JsonObject activity, Uri? objectId, CancellationToken ct,
        bool keepInOutbox = true, bool verbatim = false)
    {
        if (!Federates(group))
        {
            return null;
        }

        var announce = GroupOutbox.Announce(ToOutbox(group), activity);
        if (verbatim)
        {
            // A remote member's activity is embedded exactly as received (its @context, signature or proof, its
            // addressing as written), so an embedded signature still verifies for peers that check one (issue 16).
            announce["object"] = activity.DeepClone();
        }

        var json = Checked(group, announce);
        var groupId = urls.Group(group.Slug);
        await delivery.EnqueueAsync(c, tx, groupId.AbsoluteUri, json, await TargetsAsync(c, tx, group.Id), ct);
        if (!keepInOutbox)
        {
            return announce;
        }

        await c.ExecuteAsync(Record, new
        {
            id = Ids.New(time), groupId = group.Id, activityId = (string)announce["id"]!, objectId = objectId?.AbsoluteUri, body = json, at = time.GetUtcNow(),
        }, tx);
        return announce;
    }

    private const string Forget = "DELETE FROM group_activities WHERE object_id = @objectId";

    /// <summary>After a Delete: the outbox no longer serves the earlier activities that carried the deleted words.</summary>
    public static Task ForgetObjectAsync(DbConnection c, DbTransaction tx, Uri objectId) =>
        c.ExecuteAsync(Forget, new { objectId = objectId.AbsoluteUri }, tx);


    /// <summary>Serialises, refusing (as a bug) anything addressed to Public from a members-only group.</summary>
    private string Checked(GroupActorRow group, JsonObject activity)
    {
        var json = JsonOutput.Serialize(activity);
        if (group.Visibility != "public" && GroupOutbox.MentionsPublic(json))
        {
            logger.LogError("Refusing to send {Id}: a members-only group's activity mentions Public", (string?)activity["id"]);
            throw new InvalidOperationException("A members-only group's activity must never be addressed to Public.");
        }

        return json;
    }

    private sealed record TargetRow
    {
        public string Inbox { get; init; } = "";
        public string? SharedInbox { get; init; }
    }
}
