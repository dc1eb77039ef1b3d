using System.Globalization;
using System.Text.Json.Nodes;

namespace Kindred.ActivityPub.Json;

/// <summary>
/// Strict builders for what we send: compacted AS2 with our fixed <see cref="AsContext"/>, ids as
/// absolute URIs, dates as ISO 8601 UTC with a Z, no nulls. "Strict in what you send."
/// Embedded objects (an activity's <c>object</c>) carry no <c>@context</c> of their own.
/// </summary>
public static class ActivityJson
{
    /// <summary>Adds <c>@context</c> at the front of a top-level document.</summary>
    public static JsonObject WithContext(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var result = new JsonObject { ["@context"] = AsContext.Create() };
        foreach (var (key, value) in document.ToArray())
        {
            document.Remove(key);
            result[key] = value;
        }

        return result;
    }

    /// <summary>An actor document with its RSA <c>publicKey</c> and Ed25519 <c>assertionMethod</c>.</summary>
    public static JsonObject Actor(ActorDocument a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var o = new JsonObject { ["@context"] = AsContext.Create(), ["id"] = Id(a.Id), ["type"] = a.Type, ["preferredUsername"] = a.PreferredUsername };
        Put(o, "name", a.Name);
        Put(o, "summary", a.Summary);
        Put(o, "url", a.Url);
        o["inbox"] = Id(a.Inbox);
        o["outbox"] = Id(a.Outbox);
        Put(o, "followers", a.Followers);
        Put(o, "following", a.Following);
        Put(o, "featured", a.Featured);
        if (a.Moderators is not null)
        {
            // FEP-1b12: a Group's attributedTo is its moderators collection; Lemmy also reads "moderators".
            o["attributedTo"] = Id(a.Moderators);
            o["moderators"] = Id(a.Moderators);
        }

        if (a.PostingRestrictedToMods is { } restricted)
        {
            o["postingRestrictedToMods"] = restricted;
        }

        o["manuallyApprovesFollowers"] = a.ManuallyApprovesFollowers;
        o["discoverable"] = a.Discoverable;
        o["indexable"] = a.Indexable;
        if (a.Icon is not null)
        {
            var icon = new JsonObject { ["type"] = "Image", ["url"] = Id(a.Icon) };
            Put(icon, "mediaType", a.IconMediaType);
            o["icon"] = icon;
        }

        Put(o, "published", a.Published);
        if (a.SharedInbox is not null)
        {
            o["endpoints"] = new JsonObject { ["sharedInbox"] = Id(a.SharedInbox) };
        }

        o["publicKey"] = new JsonObject { ["id"] = a.KeyId, ["owner"] = Id(a.Id), ["publicKeyPem"] = a.PublicKeyPem };
        if (a.Ed25519PublicKeyMultibase is not null)
        {
            o["assertionMethod"] = new JsonArray(new JsonObject
            {
                ["id"] = a.Ed25519KeyId,
                ["type"] = "Multikey",
                ["controller"] = Id(a.Id),
                ["publicKeyMultibase"] = a.Ed25519PublicKeyMultibase,
            });
        }

        return o;
    }

    /// <summary>A Page or Note (embedded form: add <see cref="WithContext"/> to serve it alone).</summary>
    public static JsonObject Post(PostDocument p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Type == "Page" && string.IsNullOrWhiteSpace(p.Name))
        {
            throw new ArgumentException("A Page needs a name (its title).", nameof(p));
        }

        var o = new JsonObject { ["id"] = Id(p.Id), ["type"] = p.Type, ["attributedTo"] = Id(p.AttributedTo) };
        Put(o, "name", p.Name);
        o["content"] = p.ContentHtml;
        o["mediaType"] = "text/html";
        if (p.SourceMarkdown is not null)
        {
            o["source"] = new JsonObject { ["content"] = p.SourceMarkdown, ["mediaType"] = "text/markdown" };
        }

        Put(o, "summary", p.ContentWarning);
        o["sensitive"] = p.Sensitive || p.ContentWarning is not null;
        Put(o, "inReplyTo", p.InReplyTo);
        Put(o, "context", p.Context);
        Put(o, "audience", p.Audience);
        o["to"] = Ids(p.To);
        o["cc"] = Ids(p.Cc);
        if (p.Mentions.Count > 0)
        {
            o["tag"] = new JsonArray(p.Mentions.Select(m => (JsonNode)new JsonObject { ["type"] = "Mention", ["href"] = Id(m.Href), ["name"] = m.Name }).ToArray());
        }

        Put(o, "url", p.Url);
        Put(o, "published", p.Published);
        Put(o, "updated", p.Updated);
        return o;
    }

    /// <summary>A Tombstone left where a deleted object was (AS2 Vocabulary §3.8 Tombstone).</summary>
    public static JsonObject Tombstone(Uri id, string? formerType = null, DateTimeOffset? deleted = null)
    {
        var o = new JsonObject { ["id"] = Id(id), ["type"] = "Tombstone" };
        Put(o, "formerType", formerType);
        Put(o, "deleted", deleted);
        return o;
    }

    /// <summary>An OrderedCollection with <c>totalItems</c> and either inline items or a first page.</summary>
    public static JsonObject OrderedCollection(Uri id, long totalItems, Uri? first = null, IEnumerable<JsonNode>? orderedItems = null)
    {
        var o = new JsonObject { ["@context"] = AsContext.Create(), ["id"] = Id(id), ["type"] = "OrderedCollection", ["totalItems"] = totalItems };
        Put(o, "first", first);
        if (orderedItems is not null)
        {
            o["orderedItems"] = new JsonArray(orderedItems.ToArray());
        }

        return o;
    }

    public static JsonObject OrderedCollectionPage(Uri id, Uri partOf, IEnumerable<JsonNode> orderedItems, Uri? next = null, Uri? prev = null, long? totalItems = null)
    {
        ArgumentNullException.ThrowIfNull(orderedItems);
        var o = new JsonObject { ["@context"] = AsContext.Create(), ["id"] = Id(id), ["type"] = "OrderedCollectionPage", ["partOf"] = Id(partOf) };
        if (totalItems is { } total)
        {
            o["totalItems"] = total;
        }

        Put(o, "next", next);
        Put(o, "prev", prev);
        o["orderedItems"] = new JsonArray(orderedItems.ToArray());
        return o;
    }

    /// <summary>Any activity. <paramref name="obj"/> is an id (<see cref="Uri"/>) or an embedded object/activity (<see cref="JsonObject"/>).</summary>
    public static JsonObject Activity(string type, Uri id, Uri actor, JsonNode obj, IReadOnlyList<Uri>? to = null, IReadOnlyList<Uri>? cc = null, Uri? audience = null, Uri? target = null, DateTimeOffset? published = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(obj);
        var o = new JsonObject { ["@context"] = AsContext.Create(), ["id"] = Id(id), ["type"] = type, ["actor"] = Id(actor), ["object"] = obj };
        Put(o, "target", target);
        if (to is not null)
        {
            o["to"] = Ids(to);
        }

        if (cc is not null)
        {
            o["cc"] = Ids(cc);
        }

        Put(o, "audience", audience);
        Put(o, "published", published);
        return o;
    }

    /// <summary>The node for an object reference by id.</summary>
    public static JsonNode Ref(Uri id) => Id(id);

    /// <summary>Strips <c>@context</c> so a document can be embedded in another.</summary>
    public static JsonObject Embed(JsonObject document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var copy = (JsonObject)document.DeepClone();
        copy.Remove("@context");
        return copy;
    }

    public static JsonObject Follow(Uri id, Uri actor, Uri target) => Activity("Follow", id, actor, Ref(target), to: [target]);

    public static JsonObject Accept(Uri id, Uri actor, JsonObject follow, Uri follower) => Activity("Accept", id, actor, Embed(follow), to: [follower]);

    public static JsonObject Reject(Uri id, Uri actor, JsonObject follow, Uri follower) => Activity("Reject", id, actor, Embed(follow), to: [follower]);

    public static JsonObject Undo(Uri id, Uri actor, JsonObject activity, IReadOnlyList<Uri> to, IReadOnlyList<Uri>? cc = null) => Activity("Undo", id, actor, Embed(activity), to, cc);

    public static JsonObject Create(Uri id, PostDocument post) => Activity("Create", id, post.AttributedTo, Post(post), post.To, post.Cc, post.Audience, published: post.Published);

    public static JsonObject Update(Uri id, Uri actor, JsonObject obj, IReadOnlyList<Uri> to, IReadOnlyList<Uri>? cc = null, Uri? audience = null, DateTimeOffset? published = null) =>
        Activity("Update", id, actor, Embed(obj), to, cc, audience, published: published);

    /// <summary>Delete with a Tombstone, so receivers need not fetch the (gone) object.</summary>
    public static JsonObject Delete(Uri id, Uri actor, Uri objectId, IReadOnlyList<Uri> to, IReadOnlyList<Uri>? cc = null, Uri? audience = null) =>
        Activity("Delete", id, actor, Tombstone(objectId), to, cc, audience);

    /// <summary>FEP-1b12: the group Announces each activity it accepts, embedded whole.</summary>
    public static JsonObject Announce(Uri id, Uri group, JsonObject activity, IReadOnlyList<Uri> to, IReadOnlyList<Uri>? cc = null, DateTimeOffset? published = null) =>
        Activity("Announce", id, group, Embed(activity), to, cc, audience: group, published: published);

    public static JsonObject Like(Uri id, Uri actor, Uri objectId, IReadOnlyList<Uri> to, Uri? audience = null) => Activity("Like", id, actor, Ref(objectId), to, audience: audience);

    /// <summary>A report (Mastodon/Lemmy Flag): the reported actor and/or objects, with the reason in <c>content</c>.</summary>
    public static JsonObject Flag(Uri id, Uri actor, IReadOnlyList<Uri> objects, Uri recipient, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var o = Activity("Flag", id, actor, Ids(objects), to: [recipient]);
        Put(o, "content", reason);
        return o;
    }

    private static JsonNode Id(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsAbsoluteUri ? JsonValue.Create(uri.AbsoluteUri) : throw new ArgumentException($"'{uri}' is not an absolute URI.", nameof(uri));
    }

    private static JsonArray Ids(IEnumerable<Uri> uris) => new(uris.Select(Id).ToArray());

    private static void Put(JsonObject o, string name, string? value)
    {
        if (value is not null)
        {
            o[name] = value;
        }
    }

    private static void Put(JsonObject o, string name, Uri? value)
    {
        if (value is not null)
        {
            o[name] = Id(value);
        }
    }

    private static void Put(JsonObject o, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            o[name] = v.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }
    }
}
