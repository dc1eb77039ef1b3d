using System.Data.Common;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Groups;

/// <summary>A remote actor's place in a local group (<c>remote_members</c>).</summary>
public sealed record RemoteMemberRow
{
    public Guid Id { get; init; }
    public Guid GroupId { get; init; }
    public string ActorId { get; init; } = "";
    public string State { get; init; } = "";
    public string? FollowActivityId { get; init; }
    public string? Inbox { get; init; }
}

/// <summary>
/// Remote members of local groups: a remote actor that Follows a Group actor asks to join it (FEP-1b12). Open groups
/// accept at once; approval groups put the request in the moderators' join queue; invite-only and members-only groups
/// accept only actors a moderator invited. The Accept/Reject goes to the actor's own inbox (it concerns one actor).
/// Every method runs on the caller's connection and transaction.
/// </summary>
public sealed class RemoteMembers(ActorUrls urls, DeliveryQueue delivery, TimeProvider time)
{
    public const string Pending = "pending";
    public const string Invited = "invited";
    public const string Member = "member";

    private const string Find = "SELECT id, group_id, actor_id, state, follow_activity_id, inbox FROM remote_members WHERE group_id = @groupId AND actor_id = @actorId";

    public static Task<RemoteMemberRow?> FindAsync(DbConnection c, DbTransaction? tx, Guid groupId, Uri actorId) =>
        c.QuerySingleOrDefaultAsync<RemoteMemberRow>(Find, new { groupId, actorId = actorId.AbsoluteUri }, tx);

    /// <summary>True when <paramref name="actorId"/> is a (joined) remote member of the group.</summary>
    public static async Task<bool> IsMemberAsync(DbConnection c, DbTransaction? tx, Guid groupId, Uri actorId) =>
        (await FindAsync(c, tx, groupId, actorId))?.State == Member;

    private const string Upsert = """
        INSERT INTO remote_members (id, group_id, actor_id, state, follow_activity_id, inbox, shared_inbox, name, profile_url, created_at, joined_at)
        VALUES (@id, @groupId, @actorId, @state, @followId, @inbox, @sharedInbox, @name, @profileUrl, @at, @joinedAt)
        ON CONFLICT (group_id, actor_id) DO UPDATE SET state = excluded.state, follow_activity_id = excluded.follow_activity_id,
            inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, name = excluded.name, profile_url = excluded.profile_url,
            joined_at = COALESCE(remote_members.joined_at, excluded.joined_at)
        """;

    /// <summary>Stores the actor as <paramref name="state"/> with its inboxes from its own actor document.</summary>
    public async Task SaveAsync(DbConnection c, DbTransaction tx, Guid groupId, RemoteActor actor, Uri followId, string state)
    {
        var at = time.GetUtcNow();
        await c.ExecuteAsync(Upsert, new
        {
            id = Ids.New(time), groupId, actorId = actor.Id.AbsoluteUri, state, followId = followId.AbsoluteUri,
            inbox = actor.Inbox?.AbsoluteUri, sharedInbox = actor.SharedInbox?.AbsoluteUri,
            // The actor id is its profile: Mastodon, Lemmy and others redirect a browser from it to the HTML profile.
            name = DisplayName(actor), profileUrl = actor.Id.AbsoluteUri,
            at, joinedAt = state == Member ? at : (DateTimeOffset?)null,
        }, tx);
    }

    /// <summary>Queues the group's Accept (or Reject) of a Follow to the follower's own inbox.</summary>
    public async Task AnswerAsync(DbConnection c, DbTransaction tx, GroupActorRow group, Uri followId, Uri follower, Uri inbox, bool accept, CancellationToken ct)
    {
        var outboxGroup = new OutboxGroup { Id = urls.Group(group.Slug), MembersOnly = group.Visibility != "public" };
        var answer = accept ? GroupOutbox.Accept(outboxGroup, followId, follower) : GroupOutbox.Reject(outboxGroup, followId, follower);
        await delivery.EnqueueAsync(c, tx, outboxGroup.Id.AbsoluteUri, JsonOutput.Serialize(answer), [new DeliveryTarget(inbox)], ct);
    }

    private const string TakePending = "SELECT id, group_id, actor_id, state, follow_activity_id, inbox FROM remote_members WHERE id = @id AND group_id = @groupId AND state = 'pending'";
    private const string Join = "UPDATE remote_members SET state = 'member', joined_at = @at WHERE id = @id";
    private const string Remove = "DELETE FROM remote_members WHERE id = @id";

    /// <summary>
    /// A moderator's decision on a remote request from the join queue: the actor becomes a member and gets an Accept,
    /// or is removed and gets a Reject. False when <paramref name="requestId"/> is no pending remote request.
    /// </summary>
    public async Task<bool> DecideAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid requestId, bool approve, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<RemoteMemberRow>(TakePending, new { id = requestId, groupId }, tx);
        if (row is null)
        {
            return false;
        }

        var group = await c.QuerySingleAsync<GroupActorRow>(GroupActor.ById, new { id = groupId }, tx);
        await c.ExecuteAsync(approve ? Join : Remove, new { id = row.Id, at = time.GetUtcNow() }, tx);
        if (row.Inbox is not null && row.FollowActivityId is not null)
        {
            await AnswerAsync(c, tx, group, new Uri(row.FollowActivityId), new Uri(row.ActorId), new Uri(row.Inbox), approve, ct);
        }

        return true;
    }

    /// <summary>Wakes delivery after a committed decision.</summary>
    public void Wake() => delivery.Wake();

    /// <summary><c>name@host</c>, as people write fediverse addresses.</summary>
    private static string DisplayName(RemoteActor actor)
    {
        var text = actor.PreferredUsername is { } u ? $"{u}@{actor.Id.Authority}" : actor.Id.AbsoluteUri;
        return text.Length > 200 ? text[..200] : text;
    }
}
