using Kindred.Server.Features.Changes;
using System.Data.Common;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Outbox;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>
/// A member's thread, reply, edit or deletion in a group whose home is another server: the author's
/// Create/Update/Delete (built by <see cref="GroupOutbox"/>, so it has the same shape as in our own groups: to the
/// group, cc Public unless the group approves followers by hand, audience = the group, inReplyTo the remote object's
/// id) is queued to the group's inbox in the caller's transaction. The group Announces it to its followers, us included.
/// </summary>
public sealed class RemoteGroupPublisher(DeliveryQueue delivery, ILogger<RemoteGroupPublisher> logger)
{
    private const string Inbox = "SELECT inbox FROM groups WHERE id = @id";

    public async Task SendAsync(DbConnection c, DbTransaction tx, GroupPost found, OutboxGroup group, PostChange change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(found);
        if (found.Author is not { } author)
        {
            return;
        }

        var activity = change switch
        {
            PostChange.Created => GroupOutbox.Create(group, found.Post),
            PostChange.Edited => GroupOutbox.Update(group, found.Post),
            _ => GroupOutbox.Delete(group, found.Post.Id, author),
        };
        var json = JsonOutput.Serialize(activity);
        if (group.MembersOnly && GroupOutbox.MentionsPublic(json))
        {
            throw new InvalidOperationException("A post to a group that approves its followers must not address Public.");
        }

        var inbox = await Dapper.SqlMapper.ExecuteScalarAsync<string?>(c, Inbox, new { id = found.Group.Id }, tx);
        if (inbox is null)
        {
            logger.LogWarning("Remote group {Group} has no inbox; {Post} stays here only", group.Id, found.Post.Id);
            return;
        }

        await delivery.EnqueueAsync(c, tx, author.AbsoluteUri, json, [new DeliveryTarget(new Uri(inbox))], ct);
    }
}
