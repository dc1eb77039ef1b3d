using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Groups;

/// <summary>
/// Finds a group hosted elsewhere by its address (<c>name@host</c>) and stores it: a seam Hosting wires to Federation's
/// resolver (WebFinger, the Group actor from its own origin, the SSRF guard), so this feature never calls Federation.
/// </summary>
public sealed class RemoteGroupDirectory(Func<string, Guid, CancellationToken, Task<Outcome<RemoteGroup>>> resolve)
{
    public Task<Outcome<RemoteGroup>> ResolveAsync(string address, Guid member, CancellationToken ct) => resolve(address, member, ct);
}

/// <summary>
/// A member joins or leaves a group on another server. Joining sends Follow from the member to the group (ActivityPub
/// §7.5, FEP-1b12) and waits for its Accept or Reject (pending until then); leaving sends Undo(Follow). The state
/// change and the change recorded for the outbox are written in one transaction, so what we record is what we send.
/// </summary>
public sealed class RemoteMembership(RemoteGroupDirectory directory, RemoteGroupStore store, MemberStore members, UserStore users, Database db,
    ActorUrls urls, TimeProvider time)
{
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

        var resolved = await directory.ResolveAsync(address, userId, ct);
        if (!resolved.Ok)
        {
            return resolved.As<JoinResult>();
        }

        var group = resolved.Value!;
        var member = urls.User(user.Username);
        var followId = new Uri($"{member.AbsoluteUri}#follows/{Ids.New(time)}");
        await db.InTransactionAsync((c, tx) => members.RequestRemoteJoinAsync(c, tx, group.Id, userId, member, followId, ct), ct);
        return Outcome<JoinResult>.Success(JoinResult.Pending);
    }

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
        var removed = await db.InTransactionAsync((c, tx) => members.LeaveRemoteAsync(c, tx, group.Id, userId, member, ct), ct);
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
