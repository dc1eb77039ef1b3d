using Kindred.Server.Features.Groups;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Announce(Delete) of a post: tombstoned here when the delete is authentic (signed on the deleting actor's origin, or
/// the post is really gone from its origin: 404/410 or a Tombstone) and the actor may delete it: its author, or the
/// group's home server (its moderators). A Delete of something we never saw does nothing. Deletion is soft
/// (<see cref="PostStore.EraseAsync"/>).
/// </summary>
public sealed class AnnouncedDeleteHandler(Database db, PostStore store, ActorResolver resolver, ILogger<AnnouncedDeleteHandler> logger)
{
    public async Task HandleAsync(AnnouncedActivity announced, CancellationToken ct)
    {
        var delete = announced.Activity;
        if (delete.Object?.Id is not { } objectId || delete.Actor is not { } actor)
        {
            return;
        }

        if (objectId == actor)
        {
            // Announce(Delete(Person)) (Mbin, Lemmy): the person deleted their account. Verified like any Delete (signed on
            // their origin, or the actor is gone there), then their posts in this group are erased.
            if (announced.Authentic || await GoneAtOriginAsync(actor, ct))
            {
                var count = await db.InTransactionAsync((c, tx) => RemoteAuthorPosts.EraseAllAsync(c, tx, store, actor, announced.Group.Id), ct);
                logger.LogInformation("Delete {Id}: {Actor} deleted their account; {Count} post(s) in {Group} erased", delete.Id, actor, count, announced.Group.ActorId);
            }

            return;
        }

        if (!announced.Authentic && !await GoneAtOriginAsync(objectId, ct))
        {
            logger.LogInformation("Delete {Id} of {Object} could not be verified and the object still exists; ignored", delete.Id, objectId);
            return;
        }

        // An actor may delete what is on its own origin; the group's home may delete anything in the group.
        if (!Origins.SameOrigin(actor, objectId) && !Origins.SameOrigin(actor, announced.Group.ActorId))
        {
            logger.LogInformation("Delete {Id}: {Actor} may not delete {Object}", delete.Id, actor, objectId);
            return;
        }

        var group = announced.Group;
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            var stored = await store.FindAsync(c, tx, objectId);
            if (stored is null || stored.DeletedAt is not null)
            {
                return "unknown or already deleted";
            }

            var mayDelete = stored.GroupId == group.Id && stored.AuthorId is null
                && (stored.RemoteAuthor == actor.AbsoluteUri || Origins.SameOrigin(actor, group.ActorId));
            if (!mayDelete)
            {
                return "not allowed";
            }

            return await store.EraseAsync(c, tx, stored.Id, stored.ThreadId, stored.IsThread) ? "deleted" : "already deleted";
        }, ct);
        logger.LogInformation("Delete of {Object} by {Actor} via {Group}: {Outcome}", objectId, actor, group.ApId, outcome);
    }

    private async Task<bool> GoneAtOriginAsync(Uri objectId, CancellationToken ct)
    {
        try
        {
            return await resolver.GetObjectAsync(objectId, ct) is { } o && o.HasType("Tombstone");
        }
        catch (ResolutionException ex) when (ex.Failure == ResolutionFailure.Gone)
        {
            return true;
        }
    }
}
