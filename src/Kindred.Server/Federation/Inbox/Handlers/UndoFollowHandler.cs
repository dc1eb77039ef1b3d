using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Web;

using Kindred.Server.Features.Groups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Undo(Follow): the follower stops following; for a group, a remote member leaves (or withdraws a pending request).
/// Matched by the Follow's id, or by follower and target.
/// </summary>
public sealed class UndoFollowHandler(Database db, ActorUrls urls, ILogger<UndoFollowHandler> logger)
{
    private const string ByFollowId = "DELETE FROM remote_followers WHERE follower_id = @follower AND follow_activity_id = @followId";
    private const string ByTarget = "DELETE FROM remote_followers WHERE follower_id = @follower AND local_actor_id = @target";

    public async Task HandleAsync(AsActivity undo, CancellationToken ct)
    {
        var follower = undo.Actor!.AbsoluteUri;
        var inner = undo.InnerActivity;
        // Only the follower can undo its own Follow.
        if (inner is not null && inner.Actor != undo.Actor)
        {
            logger.LogInformation("Undo {Id} wraps someone else's Follow; ignored", undo.Id);
            return;
        }

        await using var c = await db.OpenAsync(ct);
        var removed = 0;
        if (undo.Object?.Id is { } followId)
        {
            removed = await c.ExecuteAsync(ByFollowId, new { follower, followId = followId.AbsoluteUri });
            removed += await MemberStore.RemoveRemoteAsync(c, null, undo.Actor, followId, null);
        }

        if (removed == 0 && inner?.Object?.Id is { } target)
        {
            removed = await c.ExecuteAsync(ByTarget, new { follower, target = target.AbsoluteUri });
            if (urls.GroupSlugOf(target) is { } slug)
            {
                removed += await MemberStore.RemoveRemoteAsync(c, null, undo.Actor, null, slug);
            }
        }

        logger.LogInformation("Undo(Follow) from {Follower}: {Removed} follow(s) removed", follower, removed);
    }
}
