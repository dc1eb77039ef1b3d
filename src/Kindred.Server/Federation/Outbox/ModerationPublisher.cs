using System.Data.Common;
using Kindred.Server.Features.Changes;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// What our moderators' actions in a federated group hosted here send, inside the action's transaction: the moderator's
/// activity to every remote member's server, and the group's Announce of it (FEP-1b12), as Lemmy and Mbin moderators do.
/// </summary>
public sealed class ModerationPublisher(LocalPosts posts, GroupAnnouncer announcer, ActorUrls urls)
{
    public async Task PostAsync(DbConnection c, DbTransaction tx, PostModerated change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (await posts.FindAsync(c, tx, change.PostId) is not { } found || !GroupAnnouncer.Federates(found.Group) || found.Group.IsRemote)
        {
            return;
        }

        var group = announcer.ToOutbox(found.Group);
        var moderator = urls.User(change.Moderator);
        if (change.Removed)
        {
            // The outbox stops serving the removed words at once; other servers are asked to hide their copies.
            await GroupAnnouncer.ForgetObjectAsync(c, tx, found.Post.Id);
            var remove = ModerationOutbox.Remove(group, found.Post.Id, moderator, change.Reason, change.RemovedAt);
            await announcer.SendAsync(c, tx, found.Group, moderator, remove, ct);
            await announcer.AnnounceAsync(c, tx, found.Group, remove, objectId: null, ct);
            return;
        }

        var restore = ModerationOutbox.Restore(group, found.Post.Id, moderator, change.RemovedAt);
        await announcer.SendAsync(c, tx, found.Group, moderator, restore, ct);
        await announcer.AnnounceAsync(c, tx, found.Group, restore, objectId: null, ct);
        if (found.IsLocal && found.Author is not null)
        {
            // The group's outbox serves the post again (a no-op for servers that already hold it).
            await announcer.AnnounceAsync(c, tx, found.Group, GroupOutbox.Create(group, found.Post), found.Post.Id, ct);
        }
    }
}
