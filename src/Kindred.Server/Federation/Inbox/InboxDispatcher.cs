using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.Inbox.Handlers;

namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// The table of contents of inbound federation: one flat switch on (activity type, object type) into one handler
/// per file. Anything not listed is logged and ignored (it stays in <c>inbox_activities</c> as received).
/// </summary>
public sealed class InboxDispatcher(
    ActorUrls urls,
    FollowHandler follow,
    GroupFollowHandler groupFollow,
    UndoFollowHandler undoFollow,
    DeleteActorHandler deleteActor,
    AcceptFollowHandler acceptFollow,
    RejectFollowHandler rejectFollow,
    AnnounceHandler announce,
    GroupPostHandler groupPost,
    ILogger<InboxDispatcher> logger)
{
    private readonly ActivityStreamsParser _parser = new();

    public async Task DispatchAsync(InboxRow row, CancellationToken ct)
    {
        var activity = _parser.ParseActivity(System.Text.Encoding.UTF8.GetBytes(row.Body));
        var objectType = activity.Object?.Embedded?.Type ?? row.ObjectType ?? "";
        switch (activity.Type, objectType)
        {
            case ("Follow", _) when urls.GroupSlugOf(activity.Object?.Id) is not null:
                await groupFollow.HandleAsync(activity, ct);
                break;
            case ("Follow", _):
                await follow.HandleAsync(activity, ct);
                break;
            case ("Undo", "Follow" or ""):
                await undoFollow.HandleAsync(activity, ct);
                break;
            case ("Delete", _) when activity.Object?.Id is { } id && id == activity.Actor:
                await deleteActor.HandleAsync(activity, ct);
                break;
            case ("Accept", "Follow" or ""):
                await acceptFollow.HandleAsync(activity, ct);
                break;
            case ("Reject", "Follow" or ""):
                await rejectFollow.HandleAsync(activity, ct);
                break;
            case ("Create" or "Update" or "Delete" or "Like", _):
                // To one of our groups from a remote member (FEP-1b12); anything else is ignored there.
                await groupPost.HandleAsync(activity, row.Body, ct);
                break;
            case ("Announce", _):
                await announce.HandleAsync(activity, ct);
                break;
            default:
                logger.LogDebug("Ignoring {Type}({ObjectType}) {ActivityId} from {Actor}", activity.Type, objectType, row.ActivityId, row.ActorId);
                break;
        }
    }
}
