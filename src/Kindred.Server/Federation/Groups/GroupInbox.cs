using Kindred.Server.Features.Groups;
using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Federation.Endpoints;
using Kindred.Server.Federation.Posts;
using Kindred.Server.Web;

using Kindred.Server.Features.Threads;

namespace Kindred.Server.Federation.Groups;

/// <summary>Where a remote post lands in a local group: the group, and the thread or reply it answers (if any).</summary>
public sealed record GroupTarget(GroupActorRow Group, StoredPost? Parent);

/// <summary>What the group inbox handlers share: finding the local group a remote object is for, and FEP-fe34 checks.</summary>
public sealed class GroupInbox(ActorUrls urls, PostStore store)
{
    /// <summary>
    /// The group an object is for: a local group in <c>audience</c>, <c>to</c> or <c>cc</c> (Lemmy/Mbin use audience,
    /// Mastodon mentions the group in to/cc), or the group of the thread or reply it answers. When both are given
    /// they must agree. Null when the object is not for one of our groups.
    /// </summary>
    public async Task<GroupTarget?> FindAsync(DbConnection c, DbTransaction? tx, AsObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var addressed = obj.Audience.Concat(obj.To).Concat(obj.Cc).Select(urls.GroupSlugOf).FirstOrDefault(s => s is not null);
        GroupActorRow? group = null;
        if (addressed is not null)
        {
            group = await c.QuerySingleOrDefaultAsync<GroupActorRow>(GroupActor.BySlug, new { slug = addressed.ToLowerInvariant() }, tx);
        }

        if (obj.InReplyTo is not { } parentId)
        {
            return group is null ? null : new GroupTarget(group, null);
        }

        if (await store.FindAsync(c, tx, parentId) is not { } parent)
        {
            return null; // A reply to something we never saw: not ours to thread (fetching parents is the remote-groups side).
        }

        if (group is not null && group.Id != parent.GroupId)
        {
            return null;
        }

        // GroupActor.ById finds only groups we host: a reply in a group that lives elsewhere (e.g. the author also
        // addressed us as the parent's author) is not ours to store or Announce; it reaches us through the group.
        group ??= await c.QuerySingleOrDefaultAsync<GroupActorRow>(GroupActor.ById, new { id = parent.GroupId }, tx);
        return group is null ? null : new GroupTarget(group, parent);
    }

    /// <summary>FEP-fe34: the activity's actor wrote the object, and the object lives on the actor's origin.</summary>
    public static bool SameAuthor(AsActivity activity, AsObject obj) =>
        activity.Actor is { } actor && obj.Id is { } id && Origins.SameOrigin(actor, id)
        && (obj.AttributedToActor is null || obj.AttributedToActor == actor);

    /// <summary>The activity as received, for the group to Announce it whole (FEP-1b12).</summary>
    public static JsonObject Original(AsActivity activity) => JsonNode.Parse(activity.Raw.GetRawText())!.AsObject();
}
