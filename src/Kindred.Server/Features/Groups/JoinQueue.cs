using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

public sealed record JoinRequestView
{
    public Guid Id { get; init; }
    public string Username { get; init; } = "";
    public string Kind { get; init; } = "request";
    public string? Answer { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Set for someone on another server (FEP-1b12 Follow of the group): their profile, for moderators to check.</summary>
    public string? ProfileUrl { get; init; }
}

/// <summary>The requests waiting for a moderator, their decisions, and invitations.</summary>
public sealed class JoinQueue(Database db, GroupQueries groups, UserStore users, Notifications.Notifications notifications, MemberStore members, TimeProvider time)
{
    // Local requests and remote actors' Follows of an approval group (remote_members 'pending') in one queue.
    private const string Pending = """
        SELECT q.id, q.username, q.kind, q.answer, q.created_at, q.profile_url FROM (
            SELECT r.id, u.username, r.kind, r.answer, r.created_at, NULL AS profile_url
            FROM join_requests r JOIN users u ON u.id = r.user_id
            WHERE r.group_id = @groupId AND r.kind = 'request'
            UNION ALL
            SELECT m.id, COALESCE(m.name, m.actor_id) AS username, 'request' AS kind, NULL AS answer, m.created_at, COALESCE(m.profile_url, m.actor_id) AS profile_url
            FROM remote_members m
            WHERE m.group_id = @groupId AND m.state = 'pending'
        ) q
        WHERE q.id > @after
        ORDER BY q.id
        LIMIT @limit
        """;

    /// <summary>Oldest first: the person who has waited longest is seen first.</summary>
    public async Task<Outcome<Page<JoinRequestView>>> ListAsync(string slug, Guid moderatorId, string? after, int size = 30, CancellationToken ct = default)
    {
        var group = await ModeratedGroupAsync(slug, moderatorId, ct);
        if (!group.Ok)
        {
            return group.As<Page<JoinRequestView>>();
        }

        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<JoinRequestView>(Pending, new { groupId = group.Value!.Id, after = Cursors.After(after), limit = size + 1 })).ToList();
        return Outcome<Page<JoinRequestView>>.Success(Page<JoinRequestView>.From(rows, size, r => r.Id.ToString()));
    }

    private const string TakeRequest = """
        DELETE FROM join_requests WHERE id = @id AND group_id = @groupId AND kind = 'request' RETURNING user_id
        """;

    private const string InsertMember = """
        INSERT INTO group_members (group_id, user_id, role, label, joined_at) VALUES (@groupId, @userId, 'member', NULL, @at)
        ON CONFLICT (group_id, user_id) DO NOTHING
        """;

    /// <summary>Approves or declines a request; the person is told either way (someone on another server by Accept or Reject).</summary>
    public async Task<Outcome<bool>> DecideAsync(string slug, Guid moderatorId, Guid requestId, bool approve, CancellationToken ct = default)
    {
        var group = await ModeratedGroupAsync(slug, moderatorId, ct);
        if (!group.Ok)
        {
            return group.As<bool>();
        }

        var groupId = group.Value!.Id;
        var result = await db.InTransactionAsync(async (c, tx) =>
        {
            var userId = await c.QuerySingleOrDefaultAsync<Guid?>(TakeRequest, new { id = requestId, groupId }, tx);
            if (userId is null)
            {
                return await members.DecideRemoteAsync(c, tx, groupId, requestId, approve, ct)
                    ? Outcome<bool>.Success(approve)
                    : Outcome<bool>.NotFound("That request is not waiting any more; another moderator may have decided it.");
            }

            if (approve)
            {
                await c.ExecuteAsync(InsertMember, new { groupId, userId, at = time.GetUtcNow() }, tx);
            }

            await notifications.AddAsync(c, tx, userId.Value, approve ? NotificationKinds.JoinApproved : NotificationKinds.JoinDeclined, groupId, actorId: moderatorId);
            return Outcome<bool>.Success(approve);
        }, ct);
        return result;
    }

    private const string IsMember = "SELECT COUNT(*) FROM group_members WHERE group_id = @groupId AND user_id = @userId";
    private const string ExistingRequest = "SELECT id FROM join_requests WHERE group_id = @groupId AND user_id = @userId AND kind = 'request'";

    private const string InsertInvite = """
        INSERT INTO join_requests (id, group_id, user_id, kind, answer, created_by, created_at)
        VALUES (@id, @groupId, @userId, 'invite', NULL, @moderatorId, @at)
        ON CONFLICT (group_id, user_id) DO NOTHING
        """;

    /// <summary>Invites someone by username. They see the group and join when they choose to; a pending request is simply approved.</summary>
    public async Task<Outcome<bool>> InviteAsync(string slug, Guid moderatorId, string? username, CancellationToken ct = default)
    {
        var group = await ModeratedGroupAsync(slug, moderatorId, ct);
        if (!group.Ok)
        {
            return group.As<bool>();
        }

        var invitee = string.IsNullOrWhiteSpace(username) ? null : await users.FindByUsernameAsync(username, ct);
        if (invitee is not { Status: AccountStatus.Active })
        {
            return Outcome<bool>.Invalid("username", "There is no active account with that username here.");
        }

        var groupId = group.Value!.Id;
        await using (var c = await db.OpenAsync(ct))
        {
            if (await c.ExecuteScalarAsync<long>(IsMember, new { groupId, userId = invitee.Id }) > 0)
            {
                return Outcome<bool>.Conflict($"{invitee.Username} is already a member.");
            }

            if (await c.QuerySingleOrDefaultAsync<Guid?>(ExistingRequest, new { groupId, userId = invitee.Id }) is { } requestId)
            {
                return await DecideAsync(slug, moderatorId, requestId, approve: true, ct);
            }
        }

        return await db.InTransactionAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(InsertInvite, new { id = Ids.New(time), groupId, userId = invitee.Id, moderatorId, at = time.GetUtcNow() }, tx) == 1)
            {
                await notifications.AddAsync(c, tx, invitee.Id, NotificationKinds.Invited, groupId, actorId: moderatorId);
            }

            return Outcome<bool>.Success(true);
        }, ct);
    }

    /// <summary>The group, when <paramref name="userId"/> may moderate it; 404 when they cannot see it, 403 when they may not.</summary>
    internal async Task<Outcome<GroupView>> ModeratedGroupAsync(string slug, Guid userId, CancellationToken ct)
    {
        var group = await groups.FindAsync(slug, userId, ct);
        if (group is null || !group.CanRead)
        {
            return Outcome<GroupView>.NotFound();
        }

        return group.CanModerate ? Outcome<GroupView>.Success(group) : Outcome<GroupView>.Forbidden("Only the group's moderators can do this.");
    }
}
