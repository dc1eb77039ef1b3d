using System.Data.Common;
using Dapper;

namespace Kindred.Server.Features.Groups;

/// <summary>
/// The memberships side of an erasure (issue 14): memberships in groups hosted here and join requests and invitations
/// end. Groups hosted elsewhere are left through <see cref="MemberStore.LeaveRemoteAsync"/> (an Undo(Follow)).
/// </summary>
public static class ErasedMembers
{
    private const string RemoteGroups = "SELECT group_id FROM remote_group_follows WHERE user_id = @userId";

    public static async Task<IReadOnlyList<Guid>> RemoteGroupsAsync(DbConnection c, DbTransaction tx, Guid userId) =>
        (await c.QueryAsync<Guid>(RemoteGroups, new { userId }, tx)).AsList();

    private const string EndLocal = "DELETE FROM group_members WHERE user_id = @userId";
    private const string EndRequests = "DELETE FROM join_requests WHERE user_id = @userId";

    /// <summary>Ends every remaining membership, request and invitation; returns how many memberships ended.</summary>
    public static async Task<int> EndAllAsync(DbConnection c, DbTransaction tx, Guid userId)
    {
        await c.ExecuteAsync(EndRequests, new { userId }, tx);
        return await c.ExecuteAsync(EndLocal, new { userId }, tx);
    }
}
