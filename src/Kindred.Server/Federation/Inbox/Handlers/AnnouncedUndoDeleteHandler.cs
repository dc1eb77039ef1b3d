using Kindred.ActivityPub;
using Kindred.Server.Data;
using Kindred.Server.Features.Moderation;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;
using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Announce(Undo(Delete)) from a group hosted elsewhere: a moderator there restores a post they removed (Lemmy's
/// <c>undo_remove_note</c>). Only someone on the group's home may undo it, and only a removal: a post its author
/// deleted was erased here and stays so (Lemmy's <c>undo_delete_page</c> by the author is logged and ignored).
/// </summary>
public sealed class AnnouncedUndoDeleteHandler(Database db, PostStore store, RemoteModeration moderation, DroppedActivities dropped,
    ILogger<AnnouncedUndoDeleteHandler> logger)
{
    public async Task HandleAsync(AnnouncedActivity announced, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(announced);
        var undo = announced.Activity;
        var inner = undo.InnerActivity;
        if (undo.Actor is not { } actor || inner?.Object?.Id is not { } objectId || (inner.Actor is { } innerActor && innerActor != actor))
        {
            logger.LogInformation("Announce(Undo(Delete)) {Id} from {Group}: no object, or undone by someone else; ignored", undo.Id, announced.Group.ApId);
            return;
        }

        if (!announced.Authentic || !Origins.SameOrigin(actor, announced.Group.ActorId))
        {
            logger.LogInformation("Announce(Undo(Delete)) {Id}: {Actor} is not a moderator of {Group}; ignored", undo.Id, actor, announced.Group.ApId);
            await dropped.RecordAsync(actor, undo, AnnouncedDeleteHandler.NotAModerator, ct);
            return;
        }

        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await store.FindAsync(c, tx, objectId) is not { } stored || stored.GroupId != announced.Group.Id)
            {
                return "unknown here";
            }

            if (stored.DeletedAt is not null)
            {
                return "deleted by its author; stays deleted";
            }

            return await moderation.RestoreAsync(c, tx, stored, actor) ? "restored" : "not removed";
        }, ct);
        logger.LogInformation("Undo(Delete) of {Object} by {Actor} via {Group}: {Outcome}", objectId, actor, announced.Group.ApId, outcome);
    }
}
