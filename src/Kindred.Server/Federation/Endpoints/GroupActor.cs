using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Endpoints;

/// <summary>The columns of <c>groups</c> the Group actor needs (the table comes with the groups feature).</summary>
public sealed record GroupActorRow
{
    public Guid Id { get; init; }
    public string Slug { get; init; } = "";
    public string Name { get; init; } = "";
    public string? Description { get; init; }

    /// <summary><c>public</c> or <c>members</c>.</summary>
    public string Visibility { get; init; } = "public";

    /// <summary><c>open</c>, <c>approval</c> or <c>invite</c>.</summary>
    public string JoinPolicy { get; init; } = "open";

    /// <summary><c>federated</c> or <c>local</c>.</summary>
    public string Federation { get; init; } = "federated";

    public bool PostingRestrictedToMods { get; init; }

    /// <summary>'local', or the host of a group whose home is another server (read only by <see cref="GroupActor.ByIdAnyOrigin"/>).</summary>
    public string Origin { get; init; } = "local";

    /// <summary>A remote group's actor id; null for ours (their ids derive from the slug).</summary>
    public string? ApId { get; init; }

    public bool IsRemote => Origin != "local";
}

/// <summary>
/// A group as an FEP-1b12 Group actor. The groups feature serves it on <c>GET /groups/{slug}</c> when
/// <see cref="ActivityPubContent.IsRequested"/> (same URL as the HTML page), via <see cref="ServeAsync"/>.
/// </summary>
public static class GroupActor
{
    public const string BySlug = """
        SELECT id, slug, name, description, visibility, join_policy, federation FROM groups WHERE slug = @slug AND origin = 'local'
        """;

    public const string ById = """
        SELECT id, slug, name, description, visibility, join_policy, federation FROM groups WHERE id = @id AND origin = 'local'
        """;

    /// <summary>Also groups whose home is elsewhere (our members post in them): never serve these as our actors.</summary>
    public const string ByIdAnyOrigin = """
        SELECT id, slug, name, description, visibility, join_policy, federation, origin, ap_id FROM groups WHERE id = @id
        """;

    /// <summary>
    /// Who may see the Group actor: local-only groups never federate (404 to everyone remote); members-only
    /// groups only to a signed request from an instance allowed to see them; public federated groups to all.
    /// </summary>
    public static bool MayServe(GroupActorRow g, bool signedByAllowedInstance) => g.Federation switch
    {
        "federated" => g.Visibility == "public" || signedByAllowedInstance,
        _ => false,
    };

    /// <summary>May WebFinger name this group? Only public federated groups are discoverable by address.</summary>
    public static bool IsDiscoverable(GroupActorRow g) => g.Federation == "federated" && g.Visibility == "public";

    /// <summary>The FEP-1b12 Group document. <paramref name="summaryHtml"/> is the sanitised description.</summary>
    public static JsonObject ToDocument(GroupActorRow g, ActorUrls urls, ActorPublicKeys keys, string? summaryHtml)
    {
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(urls);
        ArgumentNullException.ThrowIfNull(keys);
        var id = urls.Group(g.Slug);
        return ActivityJson.Actor(new ActorDocument
        {
            Type = "Group",
            Id = id,
            PreferredUsername = g.Slug.ToLowerInvariant(),
            Name = g.Name,
            Summary = summaryHtml,
            Inbox = ActorUrls.Sub(id, "inbox"),
            Outbox = ActorUrls.Sub(id, "outbox"),
            Followers = ActorUrls.Sub(id, "followers"),
            Featured = ActorUrls.Sub(id, "featured"),
            Moderators = ActorUrls.Sub(id, "moderators"),
            SharedInbox = urls.SharedInbox,
            PostingRestrictedToMods = g.PostingRestrictedToMods,
            // Approval and invite-only groups decide who joins: followers are approved by moderators.
            ManuallyApprovesFollowers = g.JoinPolicy != "open",
            PublicKeyPem = keys.RsaPublicKeyPem,
            Ed25519PublicKeyMultibase = keys.Ed25519PublicKeyMultibase,
        });
    }

    public static async Task<GroupActorRow?> FindBySlugAsync(Database db, string slug, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<GroupActorRow>(BySlug, new { slug = slug.ToLowerInvariant() });
    }

    public static async Task<GroupActorRow?> FindByIdAsync(Database db, Guid id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<GroupActorRow>(ById, new { id });
    }
}
