using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

public sealed record MemberView
{
    public Guid UserId { get; init; }
    public string Username { get; init; } = "";
    public string Role { get; init; } = GroupRoles.Member;
    public string? Label { get; init; }
    public DateTimeOffset JoinedAt { get; init; }

    /// <summary>Set for a member on another server (then <see cref="Username"/> is name@host).</summary>
    public string? ActorId { get; init; }
    public string SortKey { get; init; } = "";

    public bool IsRemote => ActorId is not null;
}

/// <summary>The member list and the owner's decisions about roles and labels.</summary>
public sealed class Members(Database db, GroupQueries groups)
{
    // Members here and members on other servers (by name@host), in one list sorted by name.
    private const string List = """
        SELECT * FROM (
            SELECT m.user_id, NULL AS actor_id, u.username, u.username_normalized AS sort_key, m.role, m.label, m.joined_at
            FROM group_members m JOIN users u ON u.id = m.user_id
            WHERE m.group_id = @groupId
            UNION ALL
            SELECT NULL AS user_id, r.actor_id, COALESCE(r.name, r.actor_id) AS username, LOWER(COALESCE(r.name, r.actor_id)) AS sort_key,
                'member' AS role, NULL AS label, COALESCE(r.joined_at, r.created_at) AS joined_at
            FROM remote_members r
            WHERE r.group_id = @groupId AND r.state = 'member'
        ) x
        WHERE x.sort_key > @after
        ORDER BY x.sort_key
        LIMIT @limit
        """;

    /// <summary>Members see each other (a support group is a room of people who chose to be there); outsiders do not.</summary>
    public async Task<Outcome<Page<MemberView>>> ListAsync(string slug, Guid viewer, string? after, int size = 50, CancellationToken ct = default)
    {
        var group = await groups.FindAsync(slug, viewer, ct);
        if (group is null || !group.CanRead)
        {
            return Outcome<Page<MemberView>>.NotFound();
        }

        if (!group.IsMember)
        {
            return Outcome<Page<MemberView>>.Forbidden("Only members can see who else is in the group.");
        }

        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<MemberView>(List, new { groupId = group.Id, after = Cursors.AfterText(after), limit = size + 1 })).ToList();
        return Outcome<Page<MemberView>>.Success(Page<MemberView>.From(rows, size, m => m.SortKey));
    }

    private const string FindMember = """
        SELECT m.user_id, u.username, m.role, m.label, m.joined_at
        FROM group_members m JOIN users u ON u.id = m.user_id
        WHERE m.group_id = @groupId AND u.username_normalized = @name
        """;

    private const string OwnerCount = "SELECT COUNT(*) FROM group_members WHERE group_id = @groupId AND role = 'owner'";
    private const string Update = "UPDATE group_members SET role = @role, label = @label WHERE group_id = @groupId AND user_id = @userId";

    /// <summary>
    /// The owner makes someone a moderator or co-owner, or grants the visible peer-supporter or staff label.
    /// <paramref name="label"/>: null keeps it, "" or "none" removes it.
    /// </summary>
    public async Task<Outcome<MemberView>> SetRoleAsync(string slug, Guid ownerId, string username, string? role, string? label, CancellationToken ct = default)
    {
        var group = await groups.FindAsync(slug, ownerId, ct);
        if (group is null || !group.CanRead)
        {
            return Outcome<MemberView>.NotFound();
        }

        if (!group.IsOwner)
        {
            return Outcome<MemberView>.Forbidden("Only the group's owner can change roles and labels.");
        }

        if (role is not null && !GroupRoles.All.Contains(role))
        {
            return Outcome<MemberView>.Invalid("role", "Choose owner, moderator or member.");
        }

        var clearLabel = label is "" or "none";
        if (label is not null && !clearLabel && !MemberLabels.All.Contains(label))
        {
            return Outcome<MemberView>.Invalid("label", "Choose peer supporter, staff or no label.");
        }

        return await db.InTransactionAsync(async (c, tx) =>
        {
            var member = await c.QuerySingleOrDefaultAsync<MemberView>(FindMember, new { groupId = group.Id, name = username.Trim().ToLowerInvariant() }, tx);
            if (member is null)
            {
                return Outcome<MemberView>.NotFound("That person is not a member of this group.");
            }

            var newRole = role ?? member.Role;
            if (member.Role == GroupRoles.Owner && newRole != GroupRoles.Owner
                && await c.ExecuteScalarAsync<long>(OwnerCount, new { groupId = group.Id }, tx) <= 1)
            {
                return Outcome<MemberView>.Conflict("A group needs at least one owner. Make someone else an owner first.");
            }

            var updated = member with { Role = newRole, Label = clearLabel ? null : label ?? member.Label };
            await c.ExecuteAsync(Update, new { groupId = group.Id, userId = member.UserId, role = updated.Role, label = updated.Label }, tx);
            return Outcome<MemberView>.Success(updated);
        }, ct);
    }
}
