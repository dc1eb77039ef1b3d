using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Threads;
using Kindred.Server.Features.Changes;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Reactions;

/// <summary>Whether the viewer has said "I hear you" to a post.</summary>
public sealed record ReactionState(Guid PostId, Guid ThreadId, bool Reacted);

/// <summary>
/// A member says "I hear you" to a thread or reply, or takes it back. One reaction per member and post, never to
/// their own post; only members of the group who can see the post may react. The post's author is notified (and the
/// notification goes when the reaction is taken back). Both directions are idempotent. In federated groups the
/// reaction leaves as a Like, recorded as a change in the same transaction.
/// </summary>
public sealed class React(Database db, ThreadQueries threads, Notifications.Notifications notifications, ChangeLog changes, ActorUrls urls,
    TimeProvider time)
{
    private const string Username = "SELECT username FROM users WHERE id = @id";

    public async Task<Outcome<ReactionState>> AddAsync(Guid postId, Guid viewer, CancellationToken ct = default)
    {
        var (target, thread) = await FindAsync(postId, viewer, ct);
        if (target is null || thread is null || target.DeletedAt is not null || thread.IsDeleted)
        {
            return Outcome<ReactionState>.NotFound();
        }

        if (!thread.IsMember)
        {
            return Outcome<ReactionState>.Forbidden("Join the group to say \"I hear you\".");
        }

        if (target.AuthorId == viewer)
        {
            return Outcome<ReactionState>.Forbidden("This is your own post; reactions are for other people's posts.");
        }

        if (thread.IsLocked)
        {
            // PUT is idempotent: saying it again where it was said before the lock still answers "done".
            await using var c = await db.OpenAsync(ct);
            return await ReactionStore.OfMemberAsync(c, null, viewer, postId) is not null
                ? Outcome<ReactionState>.Success(new ReactionState(postId, target.ThreadId, true))
                : Outcome<ReactionState>.Conflict("The moderators have locked this thread; it takes no new reactions.");
        }

        var result = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await ReactionStore.OfMemberAsync(c, tx, viewer, postId) is not null)
            {
                return Outcome<ReactionState>.Success(new ReactionState(postId, target.ThreadId, true));
            }

            var actor = urls.User(await c.QuerySingleAsync<string>(Username, new { id = viewer }, tx));
            var likeId = ActorUrls.Like(actor, Ids.New(time));
            var objectId = target.ApId is { } apId ? apId : (target.IsThread ? urls.Thread(postId) : urls.Reply(postId)).AbsoluteUri;
            var added = await ReactionStore.AddAsync(c, tx, new NewReaction
            {
                ActivityId = likeId.AbsoluteUri, GroupId = target.GroupId, ActorId = actor.AbsoluteUri, ObjectId = objectId, PostId = postId, UserId = viewer,
                At = time.GetUtcNow(),
            });
            if (!added)
            {
                // Two requests at once: the other one stored it.
                return Outcome<ReactionState>.Success(new ReactionState(postId, target.ThreadId, true));
            }

            if (target.AuthorId is { } author)
            {
                await notifications.AddAsync(c, tx, author, NotificationKinds.Reaction, target.GroupId, target.ThreadId, target.ReplyId, viewer,
                    sourceId: likeId.AbsoluteUri);
            }

            await changes.RecordAsync(c, tx, new ReactionChanged(postId, actor, likeId, Withdrawn: false), ct);
            return Outcome<ReactionState>.Success(new ReactionState(postId, target.ThreadId, true));
        }, ct);
        return result;
    }

    /// <summary>Takes the reaction back. Allowed whatever happened to the post or thread since: it is the member's own act.</summary>
    public async Task<Outcome<ReactionState>> RemoveAsync(Guid postId, Guid viewer, CancellationToken ct = default)
    {
        var (target, thread) = await FindAsync(postId, viewer, ct);
        if (target is null || thread is null)
        {
            return Outcome<ReactionState>.NotFound();
        }

        var result = await db.InTransactionAsync(async (c, tx) =>
        {
            var removed = await ReactionStore.RemoveMemberAsync(c, tx, viewer, postId);
            if (removed.Count > 0)
            {
                await Notifications.Notifications.RemoveBySourceAsync(c, tx, removed);
                var actor = urls.User(await c.QuerySingleAsync<string>(Username, new { id = viewer }, tx));
                foreach (var likeId in removed)
                {
                    await changes.RecordAsync(c, tx, new ReactionChanged(postId, actor, new Uri(likeId), Withdrawn: true), ct);
                }
            }

            return Outcome<ReactionState>.Success(new ReactionState(postId, target.ThreadId, false));
        }, ct);
        return result;
    }

    /// <summary>The post and its thread as the viewer may see it (thread null: unknown or not visible to them).</summary>
    private async Task<(ReactionTarget? Target, ThreadView? Thread)> FindAsync(Guid postId, Guid viewer, CancellationToken ct)
    {
        ReactionTarget? target;
        await using (var c = await db.OpenAsync(ct))
        {
            target = await ReactionStore.TargetAsync(c, null, postId);
        }

        return target is null ? (null, null) : (target, await threads.FindAsync(target.ThreadId, viewer, ct));
    }
}
