using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Federation.Posts;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Like (and, with <see cref="UndoAsync"/>, Undo(Like)) of a thread or reply in one of our groups by a remote member.
/// Stored in <c>post_likes</c> only so an Undo can find it; no score is ever shown. The group Announces the original.
/// </summary>
public sealed class GroupLikeHandler(Database db, RemotePosts stored, LocalPosts posts, GroupAnnouncer announcer, TimeProvider time, ILogger<GroupLikeHandler> logger)
{
    private const string Insert = """
        INSERT INTO post_likes (activity_id, group_id, actor_id, object_id, created_at) VALUES (@activityId, @groupId, @actor, @objectId, @at)
        ON CONFLICT DO NOTHING
        """;

    public async Task HandleAsync(AsActivity like, CancellationToken ct)
    {
        if (like.Object?.Id is not { } objectId || like.Id is null)
        {
            return;
        }

        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await GroupOfAsync(c, tx, objectId) is not { } group || !await RemoteMembers.IsMemberAsync(c, tx, group.Id, like.Actor!))
            {
                return "not a member's like of group content; ignored";
            }

            var added = await c.ExecuteAsync(Insert, new
            {
                activityId = like.Id.AbsoluteUri, groupId = group.Id, actor = like.Actor!.AbsoluteUri, objectId = objectId.AbsoluteUri, at = time.GetUtcNow(),
            }, tx);
            if (added > 0)
            {
                await announcer.AnnounceAsync(c, tx, group, GroupInbox.Original(like), null, ct);
            }

            return added > 0 ? "stored" : "already stored";
        }, ct);
        announcer.Wake();
        logger.LogInformation("Like {Id} of {Object}: {Outcome}", like.Id, objectId, outcome);
    }

    private const string Remove = "DELETE FROM post_likes WHERE actor_id = @actor AND (activity_id = @likeId OR object_id = @objectId)";

    /// <summary>Undo(Like): matched by the Like's id, or by actor and liked object.</summary>
    public async Task UndoAsync(AsActivity undo, CancellationToken ct)
    {
        var inner = undo.InnerActivity;
        if (inner is not null && inner.Actor != undo.Actor)
        {
            return;
        }

        var objectId = inner?.Object?.Id;
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            var group = objectId is null ? null : await GroupOfAsync(c, tx, objectId);
            var removed = await c.ExecuteAsync(Remove, new { actor = undo.Actor!.AbsoluteUri, likeId = undo.Object?.Id?.AbsoluteUri ?? "", objectId = objectId?.AbsoluteUri ?? "" }, tx);
            if (removed > 0 && group is not null)
            {
                await announcer.AnnounceAsync(c, tx, group, GroupInbox.Original(undo), null, ct);
            }

            return removed;
        }, ct);
        announcer.Wake();
        logger.LogInformation("Undo(Like) {Id}: {Removed} removed", undo.Id, outcome);
    }

    private async Task<GroupActorRow?> GroupOfAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, Uri objectId)
    {
        if (await stored.FindAsync(c, tx, objectId) is not { } post || await posts.FindAsync(c, tx, post.Id) is not { } found)
        {
            return null;
        }

        return GroupAnnouncer.Federates(found.Group) ? found.Group : null;
    }
}
