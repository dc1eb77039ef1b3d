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
/// Update(Page|Article|Note) of a remote member's post in one of our groups: only its own author may edit it (same
/// actor, object on the actor's origin: FEP-fe34), under the same group rules as a new post. The group stores the new
/// text (<see cref="PostStore.EditAsync"/>) and Announces the original Update. An Update that arrives before its Create
/// is stored as if it were the Create (same checks); an Update of a deleted post changes nothing.
/// </summary>
public sealed class GroupUpdateHandler(Database db, GroupCreateHandler create, RemotePosts posts, PostStore store, GroupAnnouncer announcer, TimeProvider time, ILogger<GroupUpdateHandler> logger)
{
    public async Task HandleAsync(AsActivity update, CancellationToken ct)
    {
        if (update.Object?.Embedded is not AsObject obj || obj.Id is null || !GroupInbox.SameAuthor(update, obj))
        {
            logger.LogDebug("Update {Id}: no embedded object from the actor's origin; ignored", update.Id);
            return;
        }

        var authorName = await posts.AuthorNameAsync(update.Actor!, ct);
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await store.FindAsync(c, tx, obj.Id) is not { } stored)
            {
                return "unknown; " + await create.StoreAsync(c, tx, update, obj, authorName, ct);
            }

            if (stored.DeletedAt is not null)
            {
                return "ignored: deleted";
            }

            if (stored.RemoteAuthor != update.Actor!.AbsoluteUri)
            {
                return "refused: not the author";
            }

            // Only groups we host: a post in a group that lives elsewhere changes when that group Announces it.
            if (await c.QuerySingleOrDefaultAsync<GroupActorRow>(GroupActor.ById, new { id = stored.GroupId }, tx) is not { } group)
            {
                return "ignored: the group lives elsewhere";
            }

            var fields = posts.Fields(obj);
            if (GroupCreateHandler.Refusal(group, update, obj, fields) is { } refused)
            {
                return refused;
            }

            await store.EditAsync(c, tx, stored.Id, stored.IsThread, fields, time.GetUtcNow());
            await GroupAnnouncer.ForgetObjectAsync(c, tx, obj.Id);
            await announcer.AnnounceAsync(c, tx, group, GroupInbox.Original(update), obj.Id, ct, verbatim: true);
            return "updated";
        }, ct);
        logger.LogInformation("Update {Object} by {Actor}: {Outcome}", obj.Id, update.Actor, outcome);
    }
}
