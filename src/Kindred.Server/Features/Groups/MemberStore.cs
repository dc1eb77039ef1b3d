using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Changes;

namespace Kindred.Server.Features.Groups;

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

/// <summary>Someone on another server as a group needs to know them: their id, inboxes (from their own actor document)
/// and how they are shown.</summary>
public sealed record RemotePerson(Uri Id, Uri? Inbox, Uri? SharedInbox, string Name);

/// <summary>
/// Membership across servers, whoever the member is: remote actors in our groups (<c>remote_members</c>), our members'
/// follows of groups hosted elsewhere (<c>remote_group_follows</c>) and the local membership those follows lead to
/// (<c>group_members</c>). Every method runs on the caller's connection and transaction. The answers other servers need
/// (Accept, Reject, Follow, Undo) are recorded as changes for Federation's outbox writer, never built here.
/// </summary>
public sealed class MemberStore(ChangeLog changes, TimeProvider time)
{
    public const string Pending = "pending";
    public const string Invited = "invited";
    public const string Member = "member";

    private const string Find = "SELECT id, group_id, actor_id, state, follow_activity_id, inbox FROM remote_members WHERE group_id = @groupId AND actor_id = @actorId";

    public static Task<RemoteMemberRow?> FindRemoteAsync(DbConnection c, DbTransaction? tx, Guid groupId, Uri actorId) =>
        c.QuerySingleOrDefaultAsync<RemoteMemberRow>(Find, new { groupId, actorId = actorId.AbsoluteUri }, tx);

    /// <summary>True when <paramref name="actorId"/> is a (joined) remote member of the group.</summary>
    public static async Task<bool> IsRemoteMemberAsync(DbConnection c, DbTransaction? tx, Guid groupId, Uri actorId) =>
        (await FindRemoteAsync(c, tx, groupId, actorId))?.State == Member;

    private const string Upsert = """
        INSERT INTO remote_members (id, group_id, actor_id, state, follow_activity_id, inbox, shared_inbox, name, profile_url, created_at, joined_at)
        VALUES (@id, @groupId, @actorId, @state, @followId, @inbox, @sharedInbox, @name, @profileUrl, @at, @joinedAt)
        ON CONFLICT (group_id, actor_id) DO UPDATE SET state = excluded.state, follow_activity_id = excluded.follow_activity_id,
            inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, name = excluded.name, profile_url = excluded.profile_url,
            joined_at = COALESCE(remote_members.joined_at, excluded.joined_at)
        """;

    /// <summary>Stores <paramref name="person"/> as <paramref name="state"/> (member or pending) of the group.</summary>
    public async Task SaveRemoteAsync(DbConnection c, DbTransaction tx, Guid groupId, RemotePerson person, Uri followId, string state)
    {
        ArgumentNullException.ThrowIfNull(person);
        var at = time.GetUtcNow();
        await c.ExecuteAsync(Upsert, new
        {
            id = Ids.New(time), groupId, actorId = person.Id.AbsoluteUri, state, followId = followId.AbsoluteUri,
            inbox = person.Inbox?.AbsoluteUri, sharedInbox = person.SharedInbox?.AbsoluteUri,
            // The actor id is its profile: Mastodon, Lemmy and others redirect a browser from it to the HTML profile.
            name = person.Name.Length > 200 ? person.Name[..200] : person.Name, profileUrl = person.Id.AbsoluteUri,
            at, joinedAt = state == Member ? at : (DateTimeOffset?)null,
        }, tx);
    }

    /// <summary>Answers a remote request to join: the Accept or Reject goes to the actor's own inbox.</summary>
    public Task AnswerRemoteAsync(DbConnection c, DbTransaction tx, Guid groupId, Uri actor, Uri followId, Uri inbox, bool accept, CancellationToken ct) =>
        changes.RecordAsync(c, tx, new RemoteJoinAnswered(groupId, actor, followId, inbox, accept), ct);

    private const string TakePending = "SELECT id, group_id, actor_id, state, follow_activity_id, inbox FROM remote_members WHERE id = @id AND group_id = @groupId AND state = 'pending'";
    private const string Join = "UPDATE remote_members SET state = 'member', joined_at = @at WHERE id = @id";
    private const string Remove = "DELETE FROM remote_members WHERE id = @id";

    /// <summary>
    /// A moderator's decision on a remote request from the join queue: the actor becomes a member and gets an Accept,
    /// or is removed and gets a Reject. False when <paramref name="requestId"/> is no pending remote request.
    /// </summary>
    public async Task<bool> DecideRemoteAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid requestId, bool approve, CancellationToken ct)
    {
        var row = await c.QuerySingleOrDefaultAsync<RemoteMemberRow>(TakePending, new { id = requestId, groupId }, tx);
        if (row is null)
        {
            return false;
        }

        await c.ExecuteAsync(approve ? Join : Remove, new { id = row.Id, at = time.GetUtcNow() }, tx);
        if (row.Inbox is not null && row.FollowActivityId is not null)
        {
            await AnswerRemoteAsync(c, tx, groupId, new Uri(row.ActorId), new Uri(row.FollowActivityId), new Uri(row.Inbox), approve, ct);
        }

        return true;
    }

    private const string LeaveByFollowId = """
        DELETE FROM remote_members WHERE actor_id = @actor AND follow_activity_id = @followId AND state IN ('member', 'pending')
        """;

    private const string LeaveByGroup = """
        DELETE FROM remote_members WHERE actor_id = @actor AND state IN ('member', 'pending')
            AND group_id = (SELECT id FROM groups WHERE slug_normalized = @slug)
        """;

    /// <summary>A remote member leaves (or withdraws a request): by the Follow's id, or by the group's slug. Rows removed.</summary>
    public static Task<int> RemoveRemoteAsync(DbConnection c, DbTransaction? tx, Uri actor, Uri? followId, string? groupSlug) =>
        followId is not null
            ? c.ExecuteAsync(LeaveByFollowId, new { actor = actor.AbsoluteUri, followId = followId.AbsoluteUri }, tx)
            : groupSlug is not null
                ? c.ExecuteAsync(LeaveByGroup, new { actor = actor.AbsoluteUri, slug = groupSlug.ToLowerInvariant() }, tx)
                : Task.FromResult(0);

    private const string ForgetActor = "DELETE FROM remote_members WHERE actor_id = @actor";

    /// <summary>An actor deleted itself: it is no longer a member of any group here.</summary>
    public static Task<int> ForgetRemoteActorAsync(DbConnection c, DbTransaction? tx, Uri actor) =>
        c.ExecuteAsync(ForgetActor, new { actor = actor.AbsoluteUri }, tx);

    // --- Our members in groups hosted elsewhere ---

    public static class FollowStates
    {
        public const string Pending = "pending";
        public const string Joined = "joined";
        public const string Rejected = "rejected";
    }

    private const string UpsertFollow = """
        INSERT INTO remote_group_follows (group_id, user_id, follow_activity_id, state, created_at, updated_at)
        VALUES (@groupId, @userId, @followId, 'pending', @now, @now)
        ON CONFLICT (group_id, user_id) DO UPDATE SET follow_activity_id = excluded.follow_activity_id, state = 'pending', updated_at = excluded.updated_at
        """;

    /// <summary>A local member asks to join a group hosted elsewhere: pending until the group accepts; the Follow is recorded.</summary>
    public async Task RequestRemoteJoinAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid userId, Uri member, Uri followId, CancellationToken ct)
    {
        await c.ExecuteAsync(UpsertFollow, new { groupId, userId, followId = followId.AbsoluteUri, now = time.GetUtcNow() }, tx);
        await changes.RecordAsync(c, tx, new RemoteJoinRequested(groupId, member, followId), ct);
    }

    private const string FollowRow = "SELECT follow_activity_id FROM remote_group_follows WHERE group_id = @groupId AND user_id = @userId";
    private const string DeleteFollow = "DELETE FROM remote_group_follows WHERE group_id = @groupId AND user_id = @userId";
    private const string DeleteMember = "DELETE FROM group_members WHERE group_id = @groupId AND user_id = @userId";

    /// <summary>A local member leaves a group hosted elsewhere (or withdraws the request); false when they never asked.</summary>
    public async Task<bool> LeaveRemoteAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid userId, Uri member, CancellationToken ct)
    {
        var followId = await c.QuerySingleOrDefaultAsync<string>(FollowRow, new { groupId, userId }, tx);
        if (followId is null)
        {
            return false;
        }

        await c.ExecuteAsync(DeleteFollow, new { groupId, userId }, tx);
        await c.ExecuteAsync(DeleteMember, new { groupId, userId }, tx);
        await changes.RecordAsync(c, tx, new RemoteGroupLeft(groupId, member, new Uri(followId)), ct);
        return true;
    }

    private const string AcceptById = """
        UPDATE remote_group_follows SET state = 'joined', updated_at = @now
        WHERE follow_activity_id = @followId AND group_id = @groupId
        RETURNING user_id
        """;

    private const string AcceptByMember = """
        UPDATE remote_group_follows SET state = 'joined', updated_at = @now
        WHERE group_id = @groupId AND user_id = @userId AND state = 'pending'
        RETURNING user_id
        """;

    private const string AddMember = """
        INSERT INTO group_members (group_id, user_id, role, label, joined_at) VALUES (@groupId, @userId, 'member', NULL, @now)
        ON CONFLICT (group_id, user_id) DO NOTHING
        """;

    /// <summary>
    /// A group hosted elsewhere accepted a follow: matched by the Follow's id, or (<paramref name="userId"/>) by member when
    /// the Follow came back without one. The member then belongs to the group here, so reading and replying work as in
    /// local groups. Returns the members who joined.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> AcceptedByRemoteAsync(DbConnection c, DbTransaction tx, Guid groupId, Uri? followId, Guid? userId)
    {
        var now = time.GetUtcNow();
        var joined = followId is not null
            ? (await c.QueryAsync<Guid>(AcceptById, new { followId = followId.AbsoluteUri, groupId, now }, tx)).ToList()
            : [];
        if (joined.Count == 0 && userId is { } member)
        {
            joined = (await c.QueryAsync<Guid>(AcceptByMember, new { groupId, userId = member, now }, tx)).ToList();
        }

        foreach (var u in joined)
        {
            await c.ExecuteAsync(AddMember, new { groupId, userId = u, now }, tx);
        }

        return joined;
    }

    private const string Rejected = """
        UPDATE remote_group_follows SET state = 'rejected', updated_at = @now
        WHERE group_id = @groupId AND (follow_activity_id = @followId OR user_id = @userId)
        RETURNING user_id
        """;

    /// <summary>A group hosted elsewhere refused a follow (or removed a member): the follow is marked rejected and the
    /// membership here ends. Returns the members concerned.</summary>
    public async Task<IReadOnlyList<Guid>> RejectedByRemoteAsync(DbConnection c, DbTransaction tx, Guid groupId, Uri? followId, Guid? userId)
    {
        var users = (await c.QueryAsync<Guid>(Rejected, new
        {
            groupId, followId = followId?.AbsoluteUri ?? "", userId = userId ?? Guid.Empty, now = time.GetUtcNow(),
        }, tx)).ToList();
        foreach (var u in users)
        {
            await c.ExecuteAsync(DeleteMember, new { groupId, userId = u }, tx);
        }

        return users;
    }

    private const string RemoveRemoteMember = "DELETE FROM remote_members WHERE group_id = @groupId AND actor_id = @actor";

    /// <summary>Moderators remove someone from a group (local: <paramref name="userId"/>; remote: <paramref name="actor"/>);
    /// true when they were in it. Bans are kept by Features/Moderation.</summary>
    public static async Task<bool> RemoveFromGroupAsync(DbConnection c, DbTransaction tx, Guid groupId, Guid? userId, Uri? actor) =>
        userId is { } id
            ? await c.ExecuteAsync(DeleteMember, new { groupId, userId = id }, tx) > 0
            : actor is not null && await c.ExecuteAsync(RemoveRemoteMember, new { groupId, actor = actor.AbsoluteUri }, tx) > 0;
}
