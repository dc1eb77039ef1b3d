using System.Text.Json;

namespace Kindred.ActivityPub.Vocabulary;

/// <summary>
/// A reference to another entity: AS2 lets any object-valued property be a bare id (a link),
/// an embedded object, or a Link object (AS2 Core §4.2). <see cref="Id"/> is the id or Link
/// <c>href</c>; <see cref="Embedded"/> is set when the object was inlined. An embedded object's
/// content is only as trustworthy as its origin: the caller decides (FEP-fe34).
/// </summary>
public sealed record AsReference(Uri? Id, AsEntity? Embedded)
{
    public override string ToString() => Id?.ToString() ?? "(anonymous)";
}

/// <summary>A Mention / Hashtag / Emoji tag (AS2 Vocabulary §3.8 Mention; Mastodon Hashtag).</summary>
public sealed record AsTag(string Type, Uri? Href, string? Name);

/// <summary>An attachment or image: Document/Image/Link with a URL.</summary>
public sealed record AsAttachment(string Type, Uri? Url, string? MediaType, string? Name);

/// <summary>The <c>source</c> property (ActivityPub §3.3): original markup, e.g. Markdown.</summary>
public sealed record AsSource(string Content, string? MediaType);

/// <summary>A legacy <c>publicKey</c> entry (security/v1): the RSA key cavage signatures use.</summary>
public sealed record AsPublicKey(string Id, Uri? Owner, string PublicKeyPem);

/// <summary>A FEP-521a <c>assertionMethod</c> Multikey.</summary>
public sealed record AsMultikey(string Id, Uri? Controller, string PublicKeyMultibase);

/// <summary>Properties every parsed AS2 entity has. Unknown properties are ignored; <see cref="Raw"/>
/// keeps the whole JSON (a clone, safe to keep) for anything else the caller needs.</summary>
public abstract record AsEntity
{
    /// <summary>The id when it is an absolute URI; null for transient objects or unusable ids.</summary>
    public Uri? Id { get; init; }

    /// <summary><c>type</c> as given (a string or an array of strings; compacted names like "Note").</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    /// <summary>The first type, or "" when none.</summary>
    public string Type => Types.Count > 0 ? Types[0] : "";

    public string? Name { get; init; }

    public string? Summary { get; init; }

    public IReadOnlyList<Uri> To { get; init; } = [];

    public IReadOnlyList<Uri> Cc { get; init; } = [];

    public IReadOnlyList<Uri> Bto { get; init; } = [];

    public IReadOnlyList<Uri> Bcc { get; init; } = [];

    /// <summary><c>audience</c> (FEP-1b12: the group a post belongs to).</summary>
    public IReadOnlyList<Uri> Audience { get; init; } = [];

    public DateTimeOffset? Published { get; init; }

    public DateTimeOffset? Updated { get; init; }

    /// <summary>Every <c>attributedTo</c> value (Lemmy/Mbin/PeerTube send arrays of Person and Group).</summary>
    public IReadOnlyList<AsReference> AttributedTo { get; init; } = [];

    /// <summary>The actor who wrote this: the first non-Group <c>attributedTo</c>, else the first.</summary>
    public Uri? AttributedToActor { get; init; }

    /// <summary><c>url</c> values (a string, Link objects or an array of them), HTML links first.</summary>
    public IReadOnlyList<Uri> Url { get; init; } = [];

    public Uri? Icon { get; init; }

    public Uri? Image { get; init; }

    public JsonElement Raw { get; init; }

    public bool HasType(string type) => Types.Contains(type, StringComparer.Ordinal);

    /// <summary>Addressed to the Public collection in to, cc or audience (ActivityPub §5.6).</summary>
    public bool IsPublic =>
        To.Contains(ActivityStreams.PublicCollectionUri) || Cc.Contains(ActivityStreams.PublicCollectionUri) || Audience.Contains(ActivityStreams.PublicCollectionUri);
}

/// <summary>Any non-actor, non-activity object: Note, Page, Article, Question, Video, Tombstone...</summary>
public sealed record AsObject : AsEntity
{
    /// <summary><c>content</c>, or the preferred entry of <c>contentMap</c>. HTML from a remote server:
    /// sanitise before display.</summary>
    public string? Content { get; init; }

    public string? MediaType { get; init; }

    public AsSource? Source { get; init; }

    public Uri? InReplyTo { get; init; }

    /// <summary><c>context</c> (FEP-7888 thread), when it is a URI (not the JSON-LD <c>@context</c>).</summary>
    public Uri? Context { get; init; }

    /// <summary>Mastodon's <c>ostatus:conversation</c> (often a <c>tag:</c> URI), as text.</summary>
    public string? Conversation { get; init; }

    public bool Sensitive { get; init; }

    public IReadOnlyList<AsTag> Tags { get; init; } = [];

    public IReadOnlyList<AsAttachment> Attachments { get; init; } = [];
}

/// <summary>Person, Group, Service, Application or Organization (AS2 Vocabulary §3.2; ActivityPub §4.1).</summary>
public sealed record AsActor : AsEntity
{
    public string? PreferredUsername { get; init; }

    public Uri? Inbox { get; init; }

    public Uri? Outbox { get; init; }

    public Uri? Followers { get; init; }

    public Uri? Following { get; init; }

    public Uri? Featured { get; init; }

    /// <summary><c>endpoints.sharedInbox</c> (ActivityPub §7.1.3).</summary>
    public Uri? SharedInbox { get; init; }

    public IReadOnlyList<AsPublicKey> PublicKeys { get; init; } = [];

    public IReadOnlyList<AsMultikey> AssertionMethods { get; init; } = [];

    public bool ManuallyApprovesFollowers { get; init; }

    /// <summary>Lemmy's <c>postingRestrictedToMods</c> (FEP-1b12 groups).</summary>
    public bool PostingRestrictedToMods { get; init; }

    /// <summary>The moderators collection (Lemmy <c>moderators</c>; FEP-1b12 <c>attributedTo</c> on a Group).</summary>
    public Uri? Moderators { get; init; }

    public bool? Discoverable { get; init; }

    public bool? Indexable { get; init; }

    public bool IsGroup => HasType("Group");
}

/// <summary>An activity (AS2 Vocabulary §3.1). <see cref="Object"/> may embed another activity
/// (Announce(Create(Page)), Undo(Follow)), parsed recursively up to the configured depth.</summary>
public sealed record AsActivity : AsEntity
{
    public Uri? Actor { get; init; }

    /// <summary>The first <c>object</c>; see <see cref="Objects"/> for all of them.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The AS2 property is called object.")]
    public AsReference? Object { get; init; }

    public IReadOnlyList<AsReference> Objects { get; init; } = [];

    public AsReference? Target { get; init; }

    /// <summary>The embedded object when it is itself an activity.</summary>
    public AsActivity? InnerActivity => Object?.Embedded as AsActivity;
}

/// <summary>Collection, OrderedCollection and their pages (AS2 Core §5).</summary>
public sealed record AsCollection : AsEntity
{
    public long? TotalItems { get; init; }

    public AsReference? First { get; init; }

    public AsReference? Next { get; init; }

    /// <summary><c>items</c> and <c>orderedItems</c>, in order.</summary>
    public IReadOnlyList<AsReference> Items { get; init; } = [];
}
