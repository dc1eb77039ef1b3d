using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Announce from a remote group we follow (FEP-1b12): unwrap and verify the announced activity
/// (<see cref="AnnounceUnwrapper"/>, FEP-fe34), then hand it on by its type, one handler per file. Likes of our members'
/// posts and their Undo become "I hear you" reactions (only the author ever sees a number). Dislike (Lemmy's downvote)
/// and EmojiReact are dropped: Kindred has no scores and one kind of reaction. Anything else is logged and ignored.
/// </summary>
public sealed class AnnounceHandler(AnnounceUnwrapper unwrapper, AnnouncedPostHandler post, AnnouncedDeleteHandler delete, AnnouncedUndoDeleteHandler undoDelete, AnnouncedLikeHandler like,
    RemoteGroupUpdateHandler groupUpdate, DroppedActivities dropped, ILogger<AnnounceHandler> logger)
{
    public async Task HandleAsync(AsActivity announce, CancellationToken ct)
    {
        if (await unwrapper.UnwrapAsync(announce, ct) is not { } announced)
        {
            return;
        }

        switch (announced.Activity.Type)
        {
            // Lemmy Announces a moderator's Update of the community: the group is fetched again from its origin.
            case "Update" when announced.Activity.Object?.Id is { } updated && updated == announced.Group.ActorId:
                await groupUpdate.HandleAnnouncedAsync(announced, ct);
                break;
            case "Create":
            case "Update":
                await post.HandleAsync(announced, ct);
                break;
            case "Delete":
                await delete.HandleAsync(announced, ct);
                break;
            case "Like":
                await like.HandleAsync(announced, ct);
                break;
            // A moderator there restores a post they removed (Lemmy's undo_remove_note).
            case "Undo" when announced.Activity.InnerActivity?.Type == "Delete":
                await undoDelete.HandleAsync(announced, ct);
                break;
            case "Undo":
                await like.UndoAsync(announced, ct);
                break;
            case "Dislike" or "EmojiReact":
                logger.LogDebug("Announce({Type}) {Id} from {Group}: no scores or other reactions here; dropped", announced.Activity.Type, announce.Id, announced.Group.ApId);
                await dropped.RecordAsync(announced.Group.ActorId, announced.Activity, DroppedActivities.Reasons.NoScores, ct);
                break;
            default:
                logger.LogDebug("Announce({Type}) {Id} from {Group} ignored", announced.Activity.Type, announce.Id, announced.Group.ApId);
                await dropped.RecordAsync(announced.Group.ActorId, announced.Activity, DroppedActivities.Reasons.UnknownType, ct);
                break;
        }
    }
}
