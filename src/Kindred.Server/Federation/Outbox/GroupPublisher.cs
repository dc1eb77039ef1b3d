using System.Data.Common;
using Kindred.Server.Features.Changes;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// What a local member's new, edited or deleted thread or reply (<see cref="PostChanged"/>) becomes, INSIDE the
/// feature's transaction: the author's Create/Update/Delete and the group's Announce of it become delivery jobs to every remote
/// member's (shared) inbox, so a rolled-back post sends nothing.
/// Local-only groups, and groups with no remote members, queue nothing.
/// </summary>
public sealed class GroupPublisher(LocalPosts posts, GroupAnnouncer announcer, RemoteGroups.RemoteGroupPublisher remoteGroups)
{
    public async Task PublishAsync(DbConnection c, DbTransaction tx, Guid postId, PostChange change, CancellationToken ct = default)
    {
        if (await posts.FindAsync(c, tx, postId) is not { } found || !GroupAnnouncer.Federates(found.Group) || !found.IsLocal || found.Author is null
            || (found.IsRemoved && change != PostChange.Deleted))
        {
            return;
        }

        var group = announcer.ToOutbox(found.Group);
        if (found.Group.IsRemote)
        {
            // A group whose home is elsewhere: the author's activity goes to the group, which Announces it (FEP-1b12).
            await remoteGroups.SendAsync(c, tx, found, group, change, ct);
            return;
        }

        var activity = change switch
        {
            PostChange.Created => GroupOutbox.Create(group, found.Post),
            PostChange.Edited => GroupOutbox.Update(group, found.Post),
            _ => GroupOutbox.Delete(group, found.Post.Id, found.Author),
        };
        if (change != PostChange.Created)
        {
            // The outbox stops serving the old words at once (an edit may take back a disclosure); other servers are
            // asked to update or delete their copies (best effort).
            await GroupAnnouncer.ForgetObjectAsync(c, tx, found.Post.Id);
        }

        await announcer.SendAsync(c, tx, found.Group, found.Author, activity, ct);
        await announcer.AnnounceAsync(c, tx, found.Group, activity, found.Post.Id, ct);
    }
}
