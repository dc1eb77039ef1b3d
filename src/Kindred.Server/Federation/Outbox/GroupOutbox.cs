using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Json;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Outbox;

/// <summary>A group as the outbox factory needs it: its actor id and whether it is members-only.</summary>
public sealed record OutboxGroup
{
    public required Uri Id { get; init; }

    /// <summary>Members-only groups never address <c>as:Public</c> (PRODUCT.md: federation is a disclosure).</summary>
    public bool MembersOnly { get; init; }

    /// <summary>The group's followers collection: its members on every instance (FEP-1b12).</summary>
    public Uri Followers => ActorUrls.Sub(Id, "followers");
}

/// <summary>A thread (<see cref="Title"/> set: a <c>Page</c>) or a reply (<see cref="InReplyTo"/> set: a <c>Note</c>).</summary>
public sealed record OutboxPost
{
    /// <summary>The object id, e.g. <c>{PublicUrl}/threads/{id}</c> or <c>/replies/{id}</c>.</summary>
    public required Uri Id { get; init; }

    public required Uri Author { get; init; }

    /// <summary>The thread this post belongs to (FEP-7888 <c>context</c>); a thread's own id for a thread.</summary>
    public required Uri Context { get; init; }

    /// <summary>Sanitised HTML (rendered from <see cref="SourceMarkdown"/> for local posts).</summary>
    public required string ContentHtml { get; init; }

    /// <summary>Threads only; makes the object a <c>Page</c>.</summary>
    public string? Title { get; init; }

    /// <summary>Replies only: the thread or reply answered.</summary>
    public Uri? InReplyTo { get; init; }

    public string? SourceMarkdown { get; init; }

    public string? ContentWarning { get; init; }

    /// <summary>Where a person reads it (the HTML page).</summary>
    public Uri? Url { get; init; }

    public required DateTimeOffset Published { get; init; }

    /// <summary>Set once the post was edited.</summary>
    public DateTimeOffset? Updated { get; init; }

    public bool IsThread => Title is not null;
}

/// <summary>
/// The outbox factory: pure functions from local threads and replies to the ActivityStreams we send for a group
/// (FEP-1b12). No database, no clock, no randomness: ids derive from the object ids (so queueing the same activity
/// twice is a no-op for <c>DeliveryQueue</c>), and the same input gives byte-identical JSON.
/// <para>Addressing (strict in what we send):</para>
/// <list type="bullet">
/// <item>public group: objects and Create/Update/Delete <c>to</c> [group], <c>cc</c> [Public, group followers];
/// the group's Announce <c>to</c> [group followers], <c>cc</c> [Public].</item>
/// <item>members-only group: never Public. Objects and Create/Update/Delete <c>to</c> [group], <c>cc</c> [group
/// followers]; the Announce <c>to</c> [group followers] only.</item>
/// </list>
/// Every object and activity carries <c>audience</c> = the group, which Lemmy, Mbin and PieFed read.
/// </summary>
public static class GroupOutbox
{
    private static readonly Uri Public = ActivityStreams.PublicCollectionUri;

    /// <summary><c>to</c> and <c>cc</c> of a post and of its author's Create/Update/Delete.</summary>
    public static (IReadOnlyList<Uri> To, IReadOnlyList<Uri> Cc) PostAddressing(OutboxGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.MembersOnly ? ([group.Id], [group.Followers]) : ([group.Id], [Public, group.Followers]);
    }

    /// <summary><c>to</c> and <c>cc</c> of the group's Announce.</summary>
    public static (IReadOnlyList<Uri> To, IReadOnlyList<Uri>? Cc) AnnounceAddressing(OutboxGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        return group.MembersOnly ? ([group.Followers], null) : ([group.Followers], [Public]);
    }

    /// <summary>The object values: a <c>Page</c> for a thread, a <c>Note</c> for a reply.</summary>
    public static PostDocument Document(OutboxGroup group, OutboxPost post)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(post);
        var (to, cc) = PostAddressing(group);
        return new PostDocument
        {
            Type = post.IsThread ? "Page" : "Note",
            Id = post.Id,
            AttributedTo = post.Author,
            Name = post.Title,
            ContentHtml = post.ContentHtml,
            SourceMarkdown = post.SourceMarkdown,
            ContentWarning = post.ContentWarning,
            InReplyTo = post.IsThread ? null : post.InReplyTo,
            Context = post.Context,
            Audience = group.Id,
            To = to,
            Cc = cc,
            Url = post.Url,
            Published = post.Published,
            Updated = post.Updated,
        };
    }

    /// <summary>The object as served alone on its id (with <c>@context</c>).</summary>
    public static JsonObject Served(OutboxGroup group, OutboxPost post) => ActivityJson.WithContext(ActivityJson.Post(Document(group, post)));

    /// <summary>Create by the author; id <c>{object}#create</c>.</summary>
    public static JsonObject Create(OutboxGroup group, OutboxPost post) =>
        ActivityJson.Create(Fragment(post.Id, "create"), Document(group, post));

    /// <summary>Update by the author, embedding the edited object; id <c>{object}#updates/{unix ms of the edit}</c>
    /// (one id per edit, as Mastodon does).</summary>
    public static JsonObject Update(OutboxGroup group, OutboxPost post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var updated = post.Updated ?? post.Published;
        var (to, cc) = PostAddressing(group);
        var id = Fragment(post.Id, "updates/" + updated.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        return ActivityJson.Update(id, post.Author, ActivityJson.Post(Document(group, post)), to, cc, group.Id, updated);
    }

    /// <summary>Delete by the author with a Tombstone; id <c>{object}#delete</c>.</summary>
    public static JsonObject Delete(OutboxGroup group, Uri objectId, Uri author)
    {
        ArgumentNullException.ThrowIfNull(objectId);
        var (to, cc) = PostAddressing(group);
        return ActivityJson.Delete(Fragment(objectId, "delete"), author, objectId, to, cc, group.Id);
    }

    /// <summary>
    /// The group Announces an activity it accepted, embedded whole (FEP-1b12), whether a local member's or a remote
    /// member's original. The id is derived from the announced activity's id, so announcing it again is a no-op.
    /// </summary>
    public static JsonObject Announce(OutboxGroup group, JsonObject activity)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(activity);
        var innerId = (string?)activity["id"] ?? throw new ArgumentException("The announced activity needs an id.", nameof(activity));
        var (to, cc) = AnnounceAddressing(group);
        return ActivityJson.Announce(AnnounceId(group, innerId), group.Id, activity, to, cc);
    }

    /// <summary><c>{group}#announces/{first 32 hex of SHA-256(inner activity id)}</c>.</summary>
    public static Uri AnnounceId(OutboxGroup group, string innerActivityId)
    {
        ArgumentNullException.ThrowIfNull(group);
        return Fragment(group.Id, "announces/" + Hash(innerActivityId));
    }

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..32];

    /// <summary>The group accepts a Follow (membership); id <c>{group}#accepts/{hash of the Follow id}</c>.</summary>
    public static JsonObject Accept(OutboxGroup group, Uri followId, Uri follower)
    {
        ArgumentNullException.ThrowIfNull(group);
        return ActivityJson.Accept(Fragment(group.Id, "accepts/" + Hash(followId.AbsoluteUri)), group.Id, ActivityJson.Follow(followId, follower, group.Id), follower);
    }

    /// <summary>The group refuses a Follow; id <c>{group}#rejects/{hash of the Follow id}</c>.</summary>
    public static JsonObject Reject(OutboxGroup group, Uri followId, Uri follower)
    {
        ArgumentNullException.ThrowIfNull(group);
        return ActivityJson.Reject(Fragment(group.Id, "rejects/" + Hash(followId.AbsoluteUri)), group.Id, ActivityJson.Follow(followId, follower, group.Id), follower);
    }

    /// <summary>True when the JSON addresses <c>as:Public</c> anywhere (members-only groups must never).</summary>
    public static bool MentionsPublic(string json) =>
        json.Contains(ActivityStreams.PublicCollection, StringComparison.Ordinal)
        || json.Contains("\"as:Public\"", StringComparison.Ordinal) || json.Contains("\"Public\"", StringComparison.Ordinal);

    private static Uri Fragment(Uri id, string fragment) => new(id.AbsoluteUri + "#" + fragment);
}
