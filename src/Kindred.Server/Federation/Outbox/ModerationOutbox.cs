using System.Globalization;
using System.Text.Json.Nodes;
using Kindred.ActivityPub.Json;

namespace Kindred.Server.Federation.Outbox;

/// <summary>
/// The activities our moderators' actions become, in the shapes Lemmy and Mbin send and read (pure functions, like
/// <see cref="GroupOutbox"/>): a moderator's <c>Delete</c> of a post with the reason as <c>summary</c> (Lemmy's "remove"),
/// and <c>Undo</c> of it to restore; the group Announces each. Ids derive from the object and the time of the action, so
/// queueing one twice is a no-op and a second removal after a restore is a new activity.
/// </summary>
public static class ModerationOutbox
{
    /// <summary>A moderator removes a post: <c>Delete</c> by the moderator, <c>summary</c> = reason; id <c>{object}#removes/{unix ms}</c>.</summary>
    public static JsonObject Remove(OutboxGroup group, Uri objectId, Uri moderator, string? reason, DateTimeOffset removedAt)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        var (to, cc) = GroupOutbox.PostAddressing(group);
        // The object by id, as Lemmy sends a removal: it is not gone at its origin (a Tombstone would say it was).
        var delete = ActivityJson.Activity("Delete", Fragment(objectId, "removes/" + Ms(removedAt)), moderator, ActivityJson.Ref(objectId), to, cc, group.Id);
        if (!string.IsNullOrEmpty(reason))
        {
            delete["summary"] = reason;
        }

        return delete;
    }

    /// <summary>A moderator restores it: <c>Undo</c> of that <c>Delete</c>; id <c>{object}#restores/{unix ms of the removal}</c>.</summary>
    public static JsonObject Restore(OutboxGroup group, Uri objectId, Uri moderator, DateTimeOffset removedAt)
    {
        var (to, cc) = GroupOutbox.PostAddressing(group);
        var undo = ActivityJson.Undo(Fragment(objectId, "restores/" + Ms(removedAt)), moderator, Remove(group, objectId, moderator, null, removedAt), to, cc);
        undo["audience"] = group.Id.AbsoluteUri;
        return undo;
    }

    private static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static Uri Fragment(Uri id, string fragment) => new(id.AbsoluteUri + "#" + fragment);
}
