using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

public enum JoinResult
{
    Joined,
    Pending,
}

/// <summary>Joining and leaving a group, following its join policy.</summary>
public sealed class Membership(Database db, GroupQueries groups, TimeProvider time)
{
    private const string InsertMember = """
        INSERT INTO group_members (group_id, user_id, role, label, joined_at) VALUES (@groupId, @userId, 'member', NULL, @at)
        ON CONFLICT (group_id, user_id) DO NOTHING
        """;

    private const string DeleteRequest = "DELETE FROM join_requests WHERE group_id = @groupId AND user_id = @userId";

    private const string InsertRequest = """
        INSERT INTO join_requests (id, group_id, user_id, kind, answer, created_by, created_at)
        VALUES (@id, @groupId, @userId, 'request', @answer, @userId, @at)
        ON CONFLICT (group_id, user_id) DO NOTHING
        """;

    public async Task<Outcome<JoinResult>> JoinAsync(string slug, Guid userId, string? answer, CancellationToken ct = default)
    {
        var group = await groups.FindAsync(slug, userId, ct);
        if (group is null)
        {
            return Outcome<JoinResult>.NotFound();
        }

        if (group.IsMember)
        {
            return Outcome<JoinResult>.Success(JoinResult.Joined);
        }

        if (group.IsRemote)
        {
            // Joining a group on another server means asking it (Follow); see RemoteMembership.
            return Outcome<JoinResult>.Conflict("This group lives on another server; join it by its address.");
        }

        if (group.ViewerRequest == "request")
        {
            return Outcome<JoinResult>.Success(JoinResult.Pending);
        }

        await using (var check = await db.OpenAsync(ct))
        {
            if (await Moderation.GroupBans.IsBannedAsync(check, null, group.Id, userId, null, time.GetUtcNow()))
            {
                return Outcome<JoinResult>.Forbidden("The moderators of this group have banned you, so you cannot join it again.");
            }
        }

        var at = time.GetUtcNow();
        if (group.IsInvited || group.JoinPolicy == Group.Open)
        {
            await db.InTransactionAsync(async (c, tx) =>
            {
                await c.ExecuteAsync(InsertMember, new { groupId = group.Id, userId, at }, tx);
                await c.ExecuteAsync(DeleteRequest, new { groupId = group.Id, userId }, tx);
            }, ct);
            return Outcome<JoinResult>.Success(JoinResult.Joined);
        }

        if (group.JoinPolicy == Group.Invite)
        {
            return Outcome<JoinResult>.Forbidden("This group is by invitation only. A moderator can invite you.");
        }

        answer = GroupRules.Clean(answer);
        if (group.JoinQuestion is not null && answer is null)
        {
            return Outcome<JoinResult>.Invalid("answer", "Please answer the group's question; the moderators read it before letting you in.");
        }

        if (answer?.Length > GroupRules.MaxAnswerLength)
        {
            return Outcome<JoinResult>.Invalid("answer", $"Keep your answer under {GroupRules.MaxAnswerLength} characters.");
        }

        await using var conn = await db.OpenAsync(ct);
        await conn.ExecuteAsync(InsertRequest, new { id = Ids.New(time), groupId = group.Id, userId, answer, at });
        return Outcome<JoinResult>.Success(JoinResult.Pending);
    }

    private const string OwnerCount = "SELECT COUNT(*) FROM group_members WHERE group_id = @groupId AND role = 'owner'";
    private const string DeleteMember = "DELETE FROM group_members WHERE group_id = @groupId AND user_id = @userId";

    /// <summary>Leaves the group (or withdraws a pending request). The last owner must hand the group on first.</summary>
    public async Task<Outcome<bool>> LeaveAsync(string slug, Guid userId, CancellationToken ct = default)
    {
        var group = await groups.FindAsync(slug, userId, ct);
        if (group is null)
        {
            return Outcome<bool>.NotFound();
        }

        return await db.InTransactionAsync(async (c, tx) =>
        {
            if (group.IsOwner && await c.ExecuteScalarAsync<long>(OwnerCount, new { groupId = group.Id }, tx) <= 1)
            {
                return Outcome<bool>.Conflict("You are the group's only owner. Make someone else an owner before you leave.");
            }

            var removed = await c.ExecuteAsync(DeleteMember, new { groupId = group.Id, userId }, tx);
            removed += await c.ExecuteAsync(DeleteRequest, new { groupId = group.Id, userId }, tx);
            return Outcome<bool>.Success(removed > 0);
        }, ct);
    }
}
