using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.RemoteGroups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Announce from a remote group we follow (FEP-1b12): unwrap and verify the announced activity
/// (<see cref="AnnounceUnwrapper"/>, FEP-fe34), then hand it on by its type, one handler per file. Likes and their
/// Undo are accepted and dropped: Kindred shows no scores or vote counts. Anything else is logged and ignored.
/// </summary>
public sealed class AnnounceHandler(AnnounceUnwrapper unwrapper, AnnouncedPostHandler post, AnnouncedDeleteHandler delete, ILogger<AnnounceHandler> logger)
{
    public async Task HandleAsync(AsActivity announce, CancellationToken ct)
    {
        if (await unwrapper.UnwrapAsync(announce, ct) is not { } announced)
        {
            return;
        }

        switch (announced.Activity.Type)
        {
            case "Create":
            case "Update":
                await post.HandleAsync(announced, ct);
                break;
            case "Delete":
                await delete.HandleAsync(announced, ct);
                break;
            case "Like" or "Dislike" or "Undo" or "EmojiReact":
                logger.LogDebug("Announce({Type}) {Id} from {Group}: reactions are not counted here", announced.Activity.Type, announce.Id, announced.Group.ApId);
                break;
            default:
                logger.LogDebug("Announce({Type}) {Id} from {Group} ignored", announced.Activity.Type, announce.Id, announced.Group.ApId);
                break;
        }
    }
}
