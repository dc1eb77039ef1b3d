using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// What Features/Reactions calls, INSIDE its own transaction, when a local member says "I hear you" or takes it back:
/// <list type="bullet">
/// <item>a post in one of our federated groups: the group Announces the member's Like (or its Undo) to every remote
/// member's (shared) inbox (FEP-1b12), as it does for remote members' Likes;</item>
/// <item>a post in a remote group: the Like (or Undo) goes to the group's inbox, which Announces it, and to the
/// post's author's inbox when we know it;</item>
/// <item>local-only groups: nothing.</item>
/// </list>
/// Reaction Announces are not kept in the group's outbox collection: that collection is readable by other servers, and
/// a list of Likes would be a count (PRODUCT.md principle 4).
/// </summary>
public sealed class ReactionPublisher(LocalPosts posts, GroupAnnouncer announcer, DeliveryQueue delivery, ILogger<ReactionPublisher> logger)
{
    public Task LikeAsync(DbConnection c, DbTransaction tx, Guid postId, Uri actor, Uri likeId, CancellationToken ct) =>
        SendAsync(c, tx, postId, actor, likeId, undo: false, ct);

    public Task UndoAsync(DbConnection c, DbTransaction tx, Guid postId, Uri actor, Uri likeId, CancellationToken ct) =>
        SendAsync(c, tx, postId, actor, likeId, undo: true, ct);


    private async Task SendAsync(DbConnection c, DbTransaction tx, Guid postId, Uri actor, Uri likeId, bool undo, CancellationToken ct)
    {
        if (await posts.FindAsync(c, tx, postId) is not { } found || !GroupAnnouncer.Federates(found.Group))
        {
            return;
        }

        var group = announcer.ToOutbox(found.Group);
        var activity = undo
            ? ReactionOutbox.Undo(group, likeId, actor, found.Post.Id, found.Author)
            : ReactionOutbox.Like(group, likeId, actor, found.Post.Id, found.Author);
        if (!found.Group.IsRemote)
        {
            await announcer.AnnounceAsync(c, tx, found.Group, activity, null, ct, keepInOutbox: false);
            return;
        }

        var json = JsonOutput.Serialize(activity);
        if (group.MembersOnly && GroupOutbox.MentionsPublic(json))
        {
            throw new InvalidOperationException("A reaction in a group that approves its followers must not address Public.");
        }

        var targets = new List<DeliveryTarget>();
        var inbox = await c.ExecuteScalarAsync<string?>(GroupInbox, new { id = found.Group.Id }, tx);
        if (inbox is not null)
        {
            targets.Add(new DeliveryTarget(new Uri(inbox)));
        }

        if (found.Author is { } author && await c.QuerySingleOrDefaultAsync<InboxRow>(AuthorInbox, new { id = author.AbsoluteUri }, tx) is { Inbox: { } authorInbox } row)
        {
            targets.Add(new DeliveryTarget(new Uri(authorInbox), row.SharedInbox is null ? null : new Uri(row.SharedInbox)));
        }

        if (targets.Count == 0)
        {
            logger.LogWarning("Remote group {Group} has no inbox; the reaction to {Post} stays here only", group.Id, found.Post.Id);
            return;
        }

        await delivery.EnqueueAsync(c, tx, actor.AbsoluteUri, json, targets, ct);
    }

    private const string GroupInbox = "SELECT inbox FROM groups WHERE id = @id";

    private const string AuthorInbox = "SELECT inbox, shared_inbox FROM remote_actors WHERE id = @id AND gone_at IS NULL";

    private sealed record InboxRow
    {
        public string? Inbox { get; init; }
        public string? SharedInbox { get; init; }
    }
}
