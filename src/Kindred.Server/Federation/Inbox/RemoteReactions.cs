using Kindred.Server.Features.Groups;
using System.Data.Common;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Reactions;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// Likes from other servers, kept as reactions so a local author is told "someone said they hear you" and sees how many
/// did (nobody else sees a number). Shared by the handler of Likes sent to us directly (<see cref="Handlers.GroupLikeHandler"/>)
/// and of Likes a remote group Announces (<see cref="Handlers.AnnouncedLikeHandler"/>).
/// </summary>
public sealed class RemoteReactions(PostStore stored, LocalPosts posts, Notifications notifications, TimeProvider time)
{
    /// <summary>The post a Like's object names, when we hold it: its reaction target and its group.</summary>
    public async Task<(ReactionTarget Target, GroupPost Post)?> FindAsync(DbConnection c, DbTransaction? tx, Uri objectId)
    {
        if (await stored.FindAsync(c, tx, objectId) is not { } resolved
            || await posts.FindAsync(c, tx, resolved.Id) is not { } post
            || await ReactionStore.TargetAsync(c, tx, resolved.Id) is not { } target)
        {
            return null;
        }

        return (target, post);
    }

    /// <summary>Stores the Like; the first time, a local author is notified. True when stored now.</summary>
    public async Task<bool> StoreAsync(DbConnection c, DbTransaction tx, ReactionTarget target, Uri likeId, Uri actor, Uri objectId, string actorName)
    {
        var added = await ReactionStore.AddAsync(c, tx, new NewReaction
        {
            ActivityId = likeId.AbsoluteUri, GroupId = target.GroupId, ActorId = actor.AbsoluteUri, ObjectId = objectId.AbsoluteUri, PostId = target.Id,
            ActorName = actorName, At = time.GetUtcNow(),
        });
        if (added && target.AuthorId is { } author && target.DeletedAt is null)
        {
            await notifications.AddAsync(c, tx, author, NotificationKinds.Reaction, target.GroupId, target.ThreadId, target.ReplyId,
                actorName: actorName, sourceId: likeId.AbsoluteUri);
        }

        return added;
    }

    /// <summary>Undo(Like): removes the Like (by its id, or by actor and object) and the notification it caused.</summary>
    public static async Task<int> RemoveAsync(DbConnection c, DbTransaction tx, Uri actor, Uri? likeId, Uri? objectId)
    {
        var removed = await ReactionStore.RemoveRemoteAsync(c, tx, actor, likeId, objectId);
        await Notifications.RemoveBySourceAsync(c, tx, removed);
        return removed.Count;
    }
}
