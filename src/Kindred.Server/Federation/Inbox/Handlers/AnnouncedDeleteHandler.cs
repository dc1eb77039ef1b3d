using Kindred.Server.Features.Groups;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Web;

using Kindred.Server.Features.Moderation;
using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Announce(Delete) of a post: when the delete is authentic (signed on the deleting actor's origin, or the post is really
/// gone from its origin: 404/410 or a Tombstone), by its author it is tombstoned here (<see cref="PostStore.EraseAsync"/>);
/// by anyone else on the group's home server (its moderators: Lemmy's and Mbin's "remove", with the reason as
/// <c>summary</c>) it is removed, which <see cref="AnnouncedUndoDeleteHandler"/> can undo. Anyone else is refused and
/// logged. A Delete of something we never saw does nothing.
/// </summary>
public sealed class AnnouncedDeleteHandler(Database db, PostStore store, ActorResolver resolver, RemoteModeration moderation,
    DroppedActivities dropped, ILogger<AnnouncedDeleteHandler> logger)
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
            await dropped.RecordAsync(actor, delete, NotAModerator, ct);
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

            if (stored.GroupId != group.Id)
            {
                return "not allowed: not in that group";
            }

            if (stored.AuthorId is null && stored.RemoteAuthor == actor.AbsoluteUri)
            {
                return await store.EraseAsync(c, tx, stored.Id, stored.ThreadId, stored.IsThread) ? "deleted" : "already deleted";
            }

            // Someone else from the group's home: one of its moderators (the group vouched for them by Announcing it).
            if (Origins.SameOrigin(actor, group.ActorId))
            {
                return await moderation.RemoveAsync(c, tx, stored, actor, delete.Summary) ? "removed by a moderator" : "already removed";
            }

            return "not allowed";
        }, ct);
        logger.LogInformation("Delete of {Object} by {Actor} via {Group}: {Outcome}", objectId, actor, group.ApId, outcome);
    }

    /// <summary>Why a moderation activity from someone who is not a moderator of the group was ignored.</summary>
    public const string NotAModerator = "not a moderator of the group";

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
