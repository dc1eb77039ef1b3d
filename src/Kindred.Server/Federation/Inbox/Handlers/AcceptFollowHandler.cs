using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;

using Kindred.Server.Features.Groups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Accept(Follow) from a remote group (ActivityPub §7.7): the member's follow becomes 'joined' and they become a
/// member here, so reading and replying work as in local groups, and the group's recent threads are fetched
/// (<see cref="RemoteGroups.RemoteGroupBackfill"/>). Only the group that was followed can accept, and
/// only a Follow we sent (matched by its id, or by member and group when the Follow is embedded without one).
/// </summary>
public sealed class AcceptFollowHandler(Database db, LocalActors local, MemberStore members, RemoteGroupBackfillRequests backfill, ILogger<AcceptFollowHandler> logger)
{
    public async Task HandleAsync(AsActivity accept, CancellationToken ct)
    {
        var member = accept.InnerActivity?.Actor is { } a ? await local.FindPersonAsync(a, ct) : null;
        var changed = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await RemoteGroupStore.FindByApIdAsync(c, tx, accept.Actor!) is not { } group)
            {
                return 0;
            }

            // By member only when the embedded Follow names this group.
            var userId = member is not null && accept.InnerActivity?.Object?.Id == group.ActorId ? member.UserId : (Guid?)null;
            var joined = (await members.AcceptedByRemoteAsync(c, tx, group.Id, accept.Object?.Id, userId)).Count;
            if (joined > 0)
            {
                // A group that looks empty after joining is the first thing a new member sees (issue 11.9): fetch its recent threads.
                await backfill.QueueOnJoinAsync(c, tx, group.Id);
            }

            return joined;
        }, ct);
        logger.LogInformation("Accept {Id} from {Group}: {Count} follow(s) joined", accept.Id, accept.Actor, changed);
    }
}
