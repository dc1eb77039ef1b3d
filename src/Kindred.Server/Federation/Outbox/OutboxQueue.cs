using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// Writes activities to be delivered into <c>federation_outbox</c>, in the caller's transaction, so an activity is
/// queued exactly when the change that caused it commits. Domain and inbox code never send HTTP themselves.
/// <para>Contract with delivery (Federation/Delivery, the one worker that signs and POSTs): each row is one
/// (activity, inbox) pair; <c>actor_id</c> is the local actor whose key (<see cref="Keys.ActorKeys.GetSigningKeyAsync"/>)
/// signs the POST; <c>body</c> is the exact JSON to send; <c>picked_up_at</c> is set by delivery when it takes
/// the row over into its own retry state. (activity_id, inbox_url) is unique, so re-queuing is harmless.</para>
/// </summary>
public static class OutboxQueue
{
    private const string Insert = """
        INSERT INTO federation_outbox (id, actor_id, activity_id, activity_type, inbox_url, body, created_at)
        VALUES (@id, @actorId, @activityId, @activityType, @inboxUrl, @body, @now)
        ON CONFLICT (activity_id, inbox_url) DO NOTHING
        """;

    public static async Task EnqueueAsync(DbConnection c, DbTransaction tx, TimeProvider time, Uri actor, JsonObject activity, IEnumerable<Uri> inboxes)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var body = JsonOutput.Serialize(activity);
        var activityId = (string?)activity["id"] ?? throw new ArgumentException("Queued activities need an id.", nameof(activity));
        var activityType = (string?)activity["type"] ?? "";
        foreach (var inbox in inboxes.Distinct())
        {
            await c.ExecuteAsync(Insert, new { id = Ids.New(time), actorId = actor.AbsoluteUri, activityId, activityType, inboxUrl = inbox.AbsoluteUri, body, now = time.GetUtcNow() }, tx);
        }
    }
}
