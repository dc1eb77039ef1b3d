using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Outbox;

namespace Kindred.Server.Federation.Groups;

/// <summary>Where a remote post lands in a local group: the group, and the thread/reply it answers (if any).</summary>
public sealed record GroupTarget(GroupActorRow Group, Guid? ThreadId, Guid? ParentReplyId);

/// <summary>What the group inbox handlers share: finding the local group a remote object is for, and FEP-fe34 checks.</summary>
public sealed class GroupInbox(ActorUrls urls, LocalPosts posts)
{
    private const string ThreadOf = "SELECT group_id FROM threads WHERE id = @id";
    private const string ReplyOf = "SELECT r.thread_id AS id, t.group_id FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.id = @id";

    /// <summary>
    /// The group an object is for: a local group in <c>audience</c>, <c>to</c> or <c>cc</c> (Lemmy/Mbin use audience,
    /// Mastodon mentions the group in to/cc), or the group of the local thread or reply it answers. When both are given
    /// they must agree. Null when the object is not for one of our groups.
    /// </summary>
    public async Task<GroupTarget?> FindAsync(DbConnection c, DbTransaction tx, AsObject obj)
    {
        var addressed = obj.Audience.Concat(obj.To).Concat(obj.Cc).Select(urls.GroupSlugOf).FirstOrDefault(s => s is not null);
        GroupActorRow? group = null;
        if (addressed is not null)
        {
            group = await c.QuerySingleOrDefaultAsync<GroupActorRow>(GroupActor.BySlug, new { slug = addressed.ToLowerInvariant() }, tx);
        }

        if (obj.InReplyTo is not { } parentId)
        {
            return group is null ? null : new GroupTarget(group, null, null);
        }

        if (await posts.ResolveAsync(c, tx, parentId) is not { } parent)
        {
            return null; // A reply to something we never saw: not ours to thread (fetching parents is the remote-groups side).
        }

        Guid threadId, groupId;
        Guid? parentReply = null;
        if (parent.IsThread)
        {
            threadId = parent.Id;
            groupId = await c.QuerySingleAsync<Guid>(ThreadOf, new { id = parent.Id }, tx);
        }
        else
        {
            var row = await c.QuerySingleAsync<ThreadRow>(ReplyOf, new { id = parent.Id }, tx);
            (threadId, groupId, parentReply) = (row.Id, row.GroupId, parent.Id);
        }

        if (group is not null && group.Id != groupId)
        {
            return null;
        }

        // GroupActor.ById finds only groups we host: a reply in a group that lives elsewhere (e.g. the author also
        // addressed us as the parent's author) is not ours to store or Announce; it reaches us through the group.
        group ??= await c.QuerySingleOrDefaultAsync<GroupActorRow>(GroupActor.ById, new { id = groupId }, tx);
        return group is null ? null : new GroupTarget(group, threadId, parentReply);
    }

    /// <summary>FEP-fe34: the activity's actor wrote the object, and the object lives on the actor's origin.</summary>
    public static bool SameAuthor(AsActivity activity, AsObject obj) =>
        activity.Actor is { } actor && obj.Id is { } id && Origins.SameOrigin(actor, id)
        && (obj.AttributedToActor is null || obj.AttributedToActor == actor);

    /// <summary>The activity as received, for the group to Announce it whole (FEP-1b12).</summary>
    public static JsonObject Original(AsActivity activity) => JsonNode.Parse(activity.Raw.GetRawText())!.AsObject();

    private sealed record ThreadRow
    {
        public Guid Id { get; init; }
        public Guid GroupId { get; init; }
    }
}
