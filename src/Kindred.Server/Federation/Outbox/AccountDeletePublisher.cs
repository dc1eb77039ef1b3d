using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.Server.Features.Changes;
using Kindred.Server.Federation.Delivery;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// A local member's account is erased (<see cref="AccountErased"/>): a <c>Delete</c> of the Person, signed by the member,
/// goes to every server that received their activities: the inboxes their own activities were delivered to, the remote
/// members of every group here they belonged to or wrote in, and the groups elsewhere they followed or wrote in. The
/// delivery queue keeps one job per inbox (its state is the record of where it went and whether it was accepted) and
/// ignores the same Delete queued twice, so an erasure that runs again sends nothing twice.
/// </summary>
public sealed class AccountDeletePublisher(DeliveryQueue delivery, ILogger<AccountDeletePublisher> logger)
{
    private const string Targets = """
        SELECT inbox_url AS inbox, NULL AS shared_inbox FROM delivery_jobs WHERE actor_id = @actor
        UNION
        SELECT rm.inbox AS inbox, rm.shared_inbox AS shared_inbox FROM remote_members rm
        WHERE rm.state = 'member' AND rm.inbox IS NOT NULL AND rm.group_id IN (
            SELECT group_id FROM group_members WHERE user_id = @userId
            UNION SELECT group_id FROM threads WHERE author_id = @userId
            UNION SELECT t.group_id FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.author_id = @userId)
        UNION
        SELECT g.inbox AS inbox, g.shared_inbox AS shared_inbox FROM groups g
        WHERE g.origin <> 'local' AND g.inbox IS NOT NULL AND g.id IN (
            SELECT group_id FROM remote_group_follows WHERE user_id = @userId
            UNION SELECT group_id FROM threads WHERE author_id = @userId
            UNION SELECT t.group_id FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.author_id = @userId)
        """;

    public async Task DeleteAsync(DbConnection c, DbTransaction tx, AccountErased erased, CancellationToken ct)
    {
        var rows = await c.QueryAsync<TargetRow>(new CommandDefinition(Targets, new { actor = erased.Actor.AbsoluteUri, userId = erased.UserId }, tx, cancellationToken: ct));
        var targets = rows.Where(r => Uri.TryCreate(r.Inbox, UriKind.Absolute, out _))
            .Select(r => new DeliveryTarget(new Uri(r.Inbox!), r.SharedInbox is { } s && Uri.TryCreate(s, UriKind.Absolute, out var shared) ? shared : null))
            .ToList();
        var activity = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = erased.DeleteId.AbsoluteUri,
            ["type"] = "Delete",
            ["actor"] = erased.Actor.AbsoluteUri,
            ["object"] = erased.Actor.AbsoluteUri,
            ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
        };
        var written = await delivery.EnqueueAsync(c, tx, erased.Actor.AbsoluteUri, activity.ToJsonString(), targets, ct);
        logger.LogInformation("Delete of erased account {Actor} queued for {Count} inbox(es)", erased.Actor, written);
    }

    private sealed record TargetRow
    {
        public string? Inbox { get; init; }
        public string? SharedInbox { get; init; }
    }
}
