using Kindred.Server.Features.Groups;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Update(Group) from a group elsewhere that members here joined (Lemmy, Mbin and PieFed send it when a community's name,
/// description or settings change; Lemmy also Announces a moderator's Update of its community). Only the group may
/// speak for itself: the Update's actor (or the Announcing group) must be the object, on the same origin (FEP-fe34).
/// The embedded copy is never stored: the group is fetched again from its origin (<see cref="RemoteGroupRefresher"/>).
/// Groups we have not stored are ignored.
/// </summary>
public sealed class RemoteGroupUpdateHandler(RemoteGroupStore groups, RemoteGroupRefresher refresher, ILogger<RemoteGroupUpdateHandler> logger)
{
    public async Task HandleAsync(AsActivity update, CancellationToken ct)
    {
        if (update.Actor is not { } actor || update.Object?.Id is not { } groupId || groupId != actor || !Origins.SameOrigin(actor, groupId)
            || (update.Id is { } id && !Origins.SameOrigin(id, actor)))
        {
            logger.LogInformation("Update {Id} of actor {Object} by {Actor}: only an actor may update itself; ignored", update.Id, update.Object?.Id, update.Actor);
            return;
        }

        await RefreshAsync(update.Id, groupId, ct);
    }

    /// <summary>An Update of the group that the group itself Announced (the unwrapper checked the Announce came from it).</summary>
    public async Task HandleAnnouncedAsync(AnnouncedActivity announced, CancellationToken ct)
    {
        if (announced.Activity.Object?.Id is not { } groupId || groupId != announced.Group.ActorId)
        {
            logger.LogInformation("Announced Update {Id} from {Group} is not of the group itself; ignored", announced.Activity.Id, announced.Group.ApId);
            return;
        }

        await RefreshAsync(announced.Activity.Id, groupId, ct);
    }

    private async Task RefreshAsync(Uri? activityId, Uri groupId, CancellationToken ct)
    {
        if (await groups.FindByApIdAsync(groupId, ct) is not { } group)
        {
            logger.LogDebug("Update {Id} of {Group}: not a group stored here; ignored", activityId, groupId);
            return;
        }

        var result = await refresher.RefreshAsync(group, ct);
        logger.LogInformation("Update {Id} of remote group {Group}: fetched again from its origin, {Result}", activityId, groupId, result);
    }
}
