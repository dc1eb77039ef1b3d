using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.Inbox.Handlers;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// The table of contents of inbound federation: one flat switch on (activity type, object type) into one handler
/// per file. Anything not listed is logged, counted (<see cref="DroppedActivities"/>) and ignored (it stays in
/// <c>inbox_activities</c> as received).
/// Create/Update/Delete/Like sent to our groups by their remote members are handled by the Group* handlers (FEP-1b12);
/// each ignores what is not for one of our federated groups.
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
    GroupCreateHandler groupCreate,
    GroupUpdateHandler groupUpdate,
    GroupDeleteHandler groupDelete,
    GroupLikeHandler groupLike,
    RemoteGroupUpdateHandler remoteGroupUpdate,
    FlagHandler flag,
    DroppedActivities dropped,
    ILogger<InboxDispatcher> logger,
    Policy.FederationPolicy policy)
{
    private readonly ActivityStreamsParser _parser = new();

    public async Task DispatchAsync(InboxRow row, CancellationToken ct)
    {
        var activity = _parser.ParseActivity(System.Text.Encoding.UTF8.GetBytes(row.Body));
        var objectType = activity.Object?.Embedded?.Type ?? row.ObjectType ?? "";
        // Federation policy (issue 13), checked again here for what was stored before a block was saved: nothing from a
        // suspended (or, in allowlist mode, unlisted) server is handled, and reactions and reports from a server whose
        // reports are rejected are dropped. Both are counted.
        if (activity.Actor is { } sender && await policy.DecideAsync(sender, ct) is { } decision
            && (decision.Refused || (decision.RejectReports && activity.Type is "Like" or "Flag" or "EmojiReact" or "Dislike")))
        {
            await dropped.RecordAsync(sender, activity, decision.Reason ?? Policy.DomainDecision.ReportsRejected, ct);
            return;
        }

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
            case ("Announce", _):
                await announce.HandleAsync(activity, ct);
                break;
            case ("Create", var type) when Posts.ObjectShapes.IsPost(type):
                await groupCreate.HandleAsync(activity, ct);
                break;
            case ("Update", var type) when Posts.ObjectShapes.IsPost(type):
                await groupUpdate.HandleAsync(activity, ct);
                break;
            // An actor updating itself: a remote group we store is fetched again from its origin; anyone else is ignored.
            case ("Update", "Group"):
            case ("Update", _) when activity.Object?.Id is { } updated && updated == activity.Actor:
                await remoteGroupUpdate.HandleAsync(activity, ct);
                break;
            case ("Delete", _):
                await groupDelete.HandleAsync(activity, ct);
                break;
            case ("Like", _):
                await groupLike.HandleAsync(activity, ct);
                break;
            case ("Undo", "Like"):
                await groupLike.UndoAsync(activity, ct);
                break;
            // Reports from other servers (Mastodon, Lemmy, Mbin), and Lemmy's Resolve of one.
            case ("Flag", _):
                await flag.HandleAsync(activity, ct);
                break;
            case ("Resolve", _):
                await flag.ResolveAsync(activity, ct);
                break;
            default:
                logger.LogDebug("Ignoring {Type}({ObjectType}) {ActivityId} from {Actor}", activity.Type, objectType, row.ActivityId, row.ActorId);
                await dropped.RecordAsync(activity.Actor, activity, activity.Type is "Create" or "Update" && activity.Object?.Embedded is AsObject ? DroppedActivities.Reasons.UnsupportedObject : DroppedActivities.Reasons.UnknownType, ct);
                break;
        }
    }
}
