using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Federation.Groups;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Web;

using Kindred.Server.Features.Groups;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Like (and, with <see cref="UndoAsync"/>, Undo(Like)) sent to us directly:
/// <list type="bullet">
/// <item>of a thread or reply in one of our federated groups, by a remote member: stored as a reaction (the local
/// author is notified) and Announced by the group (FEP-1b12);</item>
/// <item>of a local member's post in a remote group we follow, sent to the author's inbox by the reactor's server:
/// stored so the author is notified (the group's own Announce of it, if it comes too, is the same Like).</item>
/// </list>
/// No score is ever shown: only the post's author sees how many people reacted.
/// </summary>
public sealed class GroupLikeHandler(Database db, RemoteReactions reactions, RemotePosts names, GroupAnnouncer announcer, ILogger<GroupLikeHandler> logger)
{
    public async Task HandleAsync(AsActivity like, CancellationToken ct)
    {
        if (like.Object?.Id is not { } objectId || like.Id is not { } likeId || like.Actor is not { } actor)
        {
            return;
        }

        if (!await WantedAsync(actor, objectId, ct))
        {
            logger.LogInformation("Like {Id} of {Object}: not a member's like of group content; ignored", likeId, objectId);
            return;
        }

        var name = await names.AuthorNameAsync(actor, ct);
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await reactions.FindAsync(c, tx, objectId) is not { } found)
            {
                return "gone";
            }

            var added = await reactions.StoreAsync(c, tx, found.Target, likeId, actor, objectId, name);
            if (added && !found.Post.Group.IsRemote)
            {
                await announcer.AnnounceAsync(c, tx, found.Post.Group, GroupInbox.Original(like), null, ct, keepInOutbox: false, verbatim: true);
            }

            return added ? "stored" : "already stored";
        }, ct);
        logger.LogInformation("Like {Id} of {Object}: {Outcome}", likeId, objectId, outcome);
    }

    /// <summary>A member's Like in one of our federated groups, or a Like of our member's post in a remote group.</summary>
    private async Task<bool> WantedAsync(Uri actor, Uri objectId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        if (await reactions.FindAsync(c, null, objectId) is not { } found || !GroupAnnouncer.Federates(found.Post.Group) || found.Target.DeletedAt is not null)
        {
            return false;
        }

        return found.Post.Group.IsRemote
            ? found.Target.AuthorId is not null
            : await MemberStore.IsRemoteMemberAsync(c, null, found.Post.Group.Id, actor);
    }

    /// <summary>Undo(Like): matched by the Like's id, or by actor and liked object.</summary>
    public async Task UndoAsync(AsActivity undo, CancellationToken ct)
    {
        var inner = undo.InnerActivity;
        if (undo.Actor is not { } actor || (inner is not null && inner.Actor != actor))
        {
            return;
        }

        var objectId = inner?.Object?.Id;
        var outcome = await db.InTransactionAsync(async (c, tx) =>
        {
            var found = objectId is null ? null : await reactions.FindAsync(c, tx, objectId);
            var removed = await RemoteReactions.RemoveAsync(c, tx, actor, undo.Object?.Id, objectId);
            if (removed > 0 && found is { Post.Group: { IsRemote: false } group } && GroupAnnouncer.Federates(group))
            {
                await announcer.AnnounceAsync(c, tx, group, GroupInbox.Original(undo), null, ct, keepInOutbox: false, verbatim: true);
            }

            return removed;
        }, ct);
        logger.LogInformation("Undo(Like) {Id}: {Removed} removed", undo.Id, outcome);
    }
}
