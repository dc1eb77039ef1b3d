using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;

using Kindred.Server.Features.Groups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Reject(Follow) from a remote group (ActivityPub §7.8): the member's follow becomes 'rejected' and they are no longer
/// a member here (a group may also reject later, e.g. when it bans someone). Matched like <see cref="AcceptFollowHandler"/>.
/// </summary>
public sealed class RejectFollowHandler(Database db, LocalActors local, MemberStore members, ILogger<RejectFollowHandler> logger)
{
    public async Task HandleAsync(AsActivity reject, CancellationToken ct)
    {
        var member = reject.InnerActivity?.Actor is { } a ? await local.FindPersonAsync(a, ct) : null;
        var changed = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await RemoteGroupStore.FindByApIdAsync(c, tx, reject.Actor!) is not { } group)
            {
                return 0;
            }

            // Matching by member only when the embedded Follow names this group.
            var userId = member is not null && reject.InnerActivity?.Object?.Id == group.ActorId ? member.UserId : (Guid?)null;
            return (await members.RejectedByRemoteAsync(c, tx, group.Id, reject.Object?.Id, userId)).Count;
        }, ct);
        logger.LogInformation("Reject {Id} from {Group}: {Count} follow(s) rejected", reject.Id, reject.Actor, changed);
    }
}
