using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// The activities of a supportive reaction ("I hear you"), pure like <see cref="GroupOutbox"/>: a <c>Like</c> by the
/// member of a thread or reply, and its <c>Undo</c>. Addressed like the member's posts in that group (<c>to</c> the
/// group, <c>cc</c> its followers, Public only for public groups), with the post's author in <c>cc</c> when known and
/// <c>audience</c> = the group, which Lemmy, Mbin and PieFed read. The Like carries no content: the meaning ("I hear
/// you") is ours, other servers see an ordinary Like.
/// </summary>
public static class ReactionOutbox
{
    public static JsonObject Like(OutboxGroup group, Uri id, Uri actor, Uri objectId, Uri? author)
    {
        var (to, cc) = Addressing(group, author);
        return ActivityJson.Activity("Like", id, actor, ActivityJson.Ref(objectId), to, cc, group.Id);
    }

    /// <summary>Undo of <paramref name="like"/>, embedded whole; id <c>{like id}/undo</c>.</summary>
    public static JsonObject Undo(OutboxGroup group, Uri likeId, Uri actor, Uri objectId, Uri? author)
    {
        var (to, cc) = Addressing(group, author);
        var like = Like(group, likeId, actor, objectId, author);
        return ActivityJson.Activity("Undo", new Uri(likeId.AbsoluteUri + "/undo"), actor, ActivityJson.Embed(like), to, cc, group.Id);
    }

    private static (IReadOnlyList<Uri> To, IReadOnlyList<Uri> Cc) Addressing(OutboxGroup group, Uri? author)
    {
        ArgumentNullException.ThrowIfNull(group);
        var (to, cc) = GroupOutbox.PostAddressing(group);
        return author is null || author == group.Id || cc.Contains(author) ? (to, cc) : (to, [.. cc, author]);
    }
}
