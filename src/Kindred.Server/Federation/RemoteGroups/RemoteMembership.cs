using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>
/// A member joins or leaves a group on another server. Joining sends Follow from the member to the group (ActivityPub
/// §7.5, FEP-1b12) and waits for its Accept or Reject (pending until then); leaving sends Undo(Follow). The state
/// change and the delivery job are written in one transaction, so what we record is what we send.
/// </summary>
public sealed class RemoteMembership(RemoteGroupResolver resolver, RemoteGroupStore store, UserStore users, Database db, DeliveryQueue delivery, ActorUrls urls, TimeProvider time)
{
    private const string UpsertFollow = """
        INSERT INTO remote_group_follows (group_id, user_id, follow_activity_id, state, created_at, updated_at)
        VALUES (@groupId, @userId, @followId, 'pending', @now, @now)
        ON CONFLICT (group_id, user_id) DO UPDATE SET follow_activity_id = excluded.follow_activity_id, state = 'pending', updated_at = excluded.updated_at
        """;

    public async Task<Outcome<JoinResult>> JoinAsync(string address, Guid userId, CancellationToken ct)
    {
        if (await users.FindByIdAsync(userId, ct) is not { Status: AccountStatus.Active } user)
        {
            return Outcome<JoinResult>.Forbidden("Sign in to join a group.");
        }

        if (await store.FindBySlugAsync(address.TrimStart('@'), ct) is { } known)
        {
            switch (await store.StateAsync(known.Id, userId, ct))
            {
                case RemoteGroupStore.States.Joined:
                    return Outcome<JoinResult>.Success(JoinResult.Joined);
                case RemoteGroupStore.States.Pending:
                    return Outcome<JoinResult>.Success(JoinResult.Pending);
            }
        }

        var resolved = await resolver.ResolveAsync(address, userId, ct);
        if (!resolved.Ok)
        {
            return resolved.As<JoinResult>();
        }

        var group = resolved.Value!;
        var member = urls.User(user.Username);
        var followId = new Uri($"{member.AbsoluteUri}#follows/{Ids.New(time)}");
        var follow = ActivityJson.Follow(followId, member, group.ActorId);
        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(UpsertFollow, new { groupId = group.Id, userId, followId = followId.AbsoluteUri, now = time.GetUtcNow() }, tx);
            await delivery.EnqueueAsync(c, tx, member.AbsoluteUri, JsonOutput.Serialize(follow), [new DeliveryTarget(new Uri(group.Inbox!))], ct);
        }, ct);
        delivery.Wake();
        return Outcome<JoinResult>.Success(JoinResult.Pending);
    }

    private const string FollowRow = "SELECT follow_activity_id FROM remote_group_follows WHERE group_id = @groupId AND user_id = @userId";
    private const string DeleteFollow = "DELETE FROM remote_group_follows WHERE group_id = @groupId AND user_id = @userId";
    private const string DeleteMember = "DELETE FROM group_members WHERE group_id = @groupId AND user_id = @userId";

    /// <summary>Leaves (or withdraws the request): Undo(Follow) to the group, then our records go.</summary>
    public async Task<Outcome<bool>> LeaveAsync(string address, Guid userId, CancellationToken ct)
    {
        var group = await store.FindBySlugAsync(address.TrimStart('@'), ct);
        var user = await users.FindByIdAsync(userId, ct);
        if (group is null || user is null)
        {
            return Outcome<bool>.NotFound();
        }

        var member = urls.User(user.Username);
        var removed = await db.InTransactionAsync(async (c, tx) =>
        {
            var followId = await c.QuerySingleOrDefaultAsync<string>(FollowRow, new { groupId = group.Id, userId }, tx);
            if (followId is null)
            {
                return false;
            }

            var follow = ActivityJson.Follow(new Uri(followId), member, group.ActorId);
            var undo = ActivityJson.Undo(new Uri($"{member.AbsoluteUri}#undo/{Ids.New(time)}"), member, follow, [group.ActorId]);
            await c.ExecuteAsync(DeleteFollow, new { groupId = group.Id, userId }, tx);
            await c.ExecuteAsync(DeleteMember, new { groupId = group.Id, userId }, tx);
            if (group.Inbox is not null)
            {
                await delivery.EnqueueAsync(c, tx, member.AbsoluteUri, JsonOutput.Serialize(undo), [new DeliveryTarget(new Uri(group.Inbox))], ct);
            }

            return true;
        }, ct);
        delivery.Wake();
        return Outcome<bool>.Success(removed);
    }

    /// <summary>The member's state with the group: joined, pending, rejected, or null when they never asked.</summary>
    public async Task<Outcome<string?>> StatusAsync(string address, Guid userId, CancellationToken ct)
    {
        var group = await store.FindBySlugAsync(address.TrimStart('@'), ct);
        var state = group is null ? null : await store.StateAsync(group.Id, userId, ct);
        return state is null ? Outcome<string?>.NotFound("You have not asked to join this group.") : Outcome<string?>.Success(state);
    }
}
