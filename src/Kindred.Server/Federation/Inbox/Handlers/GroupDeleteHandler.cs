using Kindred.Server.Features.Groups;
using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Delete of a remote member's post in one of our groups (by id or with a Tombstone): only its author may delete it.
/// The words are erased at once (<see cref="PostStore.EraseAsync"/>: the row stays as a placeholder, as for
/// local deletes, and a thread whose only answer goes is waiting for a reply again), the group's outbox forgets the
/// earlier activities that carried them, and the group Announces the Delete. A Delete of something never seen is ignored.
/// </summary>
public sealed class GroupDeleteHandler(Database db, PostStore store, GroupAnnouncer announcer, ILogger<GroupDeleteHandler> logger)
{
    public async Task HandleAsync(AsActivity delete, CancellationToken ct)
    {
        if (delete.Object?.Id is not { } objectId)
        {
            return;
        }

        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await store.FindAsync(c, tx, objectId) is not { DeletedAt: null } stored)
            {
                return "unknown or already deleted; ignored";
            }

            if (stored.RemoteAuthor != delete.Actor!.AbsoluteUri)
            {
                return "refused: not the author";
            }

            // Only groups we host: a post in a group that lives elsewhere changes when that group Announces it.
            if (await c.QuerySingleOrDefaultAsync<GroupActorRow>(GroupActor.ById, new { id = stored.GroupId }, tx) is not { } group)
            {
                return "ignored: the group lives elsewhere";
            }

            await store.EraseAsync(c, tx, stored.Id, stored.ThreadId, stored.IsThread);
            await GroupAnnouncer.ForgetObjectAsync(c, tx, objectId);
            await announcer.AnnounceAsync(c, tx, group, GroupInbox.Original(delete), objectId, ct, verbatim: true);
            return "deleted";
        }, ct);
        logger.LogInformation("Delete {Object} by {Actor}: {Outcome}", objectId, delete.Actor, outcome);
    }
}
