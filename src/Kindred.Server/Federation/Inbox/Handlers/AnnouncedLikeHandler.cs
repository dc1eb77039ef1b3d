using Kindred.Server.Data;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox.Handlers;

/// <summary>
/// Announce(Like) and Announce(Undo(Like)) from a remote group we follow (Lemmy, Mbin, PieFed and Kindred announce
/// Likes, FEP-1b12). Kept only when the liked post is a local member's post in that same group, so its author is told
/// and sees how many people heard them; Likes of other people's posts are not ours to count and are dropped.
/// The group is the authority for what happens in it, so a Like it relays from a third server is taken as the
/// group's word even though the Like itself is not signed by its origin (FEP-fe34): the worst a lying group can do is
/// say someone heard our member. Dislike and EmojiReact are never stored (see <see cref="AnnounceHandler"/>).
/// </summary>
public sealed class AnnouncedLikeHandler(Database db, RemoteReactions reactions, RemotePosts names, ILogger<AnnouncedLikeHandler> logger)
{
    public async Task HandleAsync(AnnouncedActivity announced, CancellationToken ct)
    {
        var like = announced.Activity;
        if (like.Object?.Id is not { } objectId || like.Id is not { } likeId || like.Actor is not { } actor)
        {
            return;
        }

        bool wanted;
        await using (var c = await db.OpenAsync(ct))
        {
            wanted = await reactions.FindAsync(c, null, objectId) is { } found
                && found.Target.GroupId == announced.Group.Id && found.Target.AuthorId is not null && found.Target.DeletedAt is null;
        }

        if (!wanted)
        {
            logger.LogDebug("Announce(Like) {Id} from {Group}: not a local member's post in that group; dropped", likeId, announced.Group.ApId);
            return;
        }

        var name = await names.AuthorNameAsync(actor, ct);
        var added = await db.InTransactionAsync(async (c, tx) =>
            await reactions.FindAsync(c, tx, objectId) is { } found && await reactions.StoreAsync(c, tx, found.Target, likeId, actor, objectId, name), ct);
        logger.LogInformation("Announce(Like) {Id} of {Object} from {Group}: {Outcome}", likeId, objectId, announced.Group.ApId, added ? "stored" : "already stored");
    }

    /// <summary>Undo of a Like: the Like embedded (its actor must be the Undo's), or named by id.</summary>
    public async Task UndoAsync(AnnouncedActivity announced, CancellationToken ct)
    {
        var undo = announced.Activity;
        var inner = undo.InnerActivity;
        if (undo.Actor is not { } actor || (inner is not null && (inner.Type != "Like" || inner.Actor != actor)))
        {
            logger.LogDebug("Announce(Undo) {Id} from {Group}: not an Undo(Like); ignored", undo.Id, announced.Group.ApId);
            return;
        }

        var removed = await db.InTransactionAsync((c, tx) => RemoteReactions.RemoveAsync(c, tx, actor, undo.Object?.Id, inner?.Object?.Id), ct);
        logger.LogInformation("Announce(Undo(Like)) {Id} from {Group}: {Removed} removed", undo.Id, announced.Group.ApId, removed);
    }
}
