namespace Kindred.ActivityPub.Json;

/// <summary>Values for an actor document. <see cref="Type"/> is Person, Group, Service or Application
/// (FEP-2677 instance actor).</summary>
public sealed record ActorDocument
{
    public required string Type { get; init; }

    public required Uri Id { get; init; }

    public required string PreferredUsername { get; init; }

    public required Uri Inbox { get; init; }

    public required Uri Outbox { get; init; }

    /// <summary>RSA public key PEM, published as <c>{Id}#main-key</c> for draft-cavage signatures.</summary>
    public required string PublicKeyPem { get; init; }

    /// <summary>Ed25519 Multikey, published in <c>assertionMethod</c> as <c>{Id}#ed25519-key</c> (FEP-521a).</summary>
    public string? Ed25519PublicKeyMultibase { get; init; }

    public string? Name { get; init; }

    /// <summary>HTML bio / group description.</summary>
    public string? Summary { get; init; }

    public Uri? Followers { get; init; }

    public Uri? Following { get; init; }

    public Uri? Featured { get; init; }

    public Uri? SharedInbox { get; init; }

    public Uri? Url { get; init; }

    public Uri? Icon { get; init; }

    public string? IconMediaType { get; init; }

    public bool ManuallyApprovesFollowers { get; init; }

    /// <summary>False keeps the actor out of directories and search (privacy by default).</summary>
    public bool Discoverable { get; init; }

    public bool Indexable { get; init; }

    /// <summary>FEP-1b12 Group: only moderators may post.</summary>
    public bool? PostingRestrictedToMods { get; init; }

    /// <summary>FEP-1b12 Group: the moderators collection (written as both <c>attributedTo</c> and <c>moderators</c>, as Lemmy does).</summary>
    public Uri? Moderators { get; init; }

    public DateTimeOffset? Published { get; init; }

    public string KeyId => Id + "#main-key";

    public string Ed25519KeyId => Id + "#ed25519-key";
}

/// <summary>Values for a Page (a thread, with a title) or Note (a reply).</summary>
public sealed record PostDocument
{
    /// <summary>"Page" or "Note" (or "Article").</summary>
    public required string Type { get; init; }

    public required Uri Id { get; init; }

    public required Uri AttributedTo { get; init; }

    /// <summary>Sanitised HTML.</summary>
    public required string ContentHtml { get; init; }

    public IReadOnlyList<Uri> To { get; init; } = [];

    public IReadOnlyList<Uri> Cc { get; init; } = [];

    /// <summary>The group (FEP-1b12 <c>audience</c>).</summary>
    public Uri? Audience { get; init; }

    /// <summary>The thread (FEP-7888 <c>context</c>).</summary>
    public Uri? Context { get; init; }

    /// <summary>Title; required for Page.</summary>
    public string? Name { get; init; }

    /// <summary>Content warning text (Mastodon shows <c>summary</c> as the CW when <c>sensitive</c>).</summary>
    public string? ContentWarning { get; init; }

    public bool Sensitive { get; init; }

    public Uri? InReplyTo { get; init; }

    public Uri? Url { get; init; }

    /// <summary>Original Markdown, published as <c>source</c> (ActivityPub §3.3).</summary>
    public string? SourceMarkdown { get; init; }

    /// <summary>Actors mentioned (emitted as Mention tags).</summary>
    public IReadOnlyList<(Uri Href, string Name)> Mentions { get; init; } = [];

    public DateTimeOffset? Published { get; init; }

    public DateTimeOffset? Updated { get; init; }
}
