using System.Text.Json.Nodes;

namespace Kindred.ActivityPub.Json;

/// <summary>
/// The JSON-LD <c>@context</c> of everything we publish. Only context documents that peers such as
/// Fedify ship offline are referenced (so no peer has to fetch a context to read us); our
/// extension terms are defined inline.
/// </summary>
public static class AsContext
{
    public const string ActivityStreams = "https://www.w3.org/ns/activitystreams";
    public const string SecurityV1 = "https://w3id.org/security/v1";
    public const string DataIntegrityV1 = "https://w3id.org/security/data-integrity/v1";
    public const string MultikeyV1 = "https://w3id.org/security/multikey/v1";

    /// <summary>A fresh copy of the context array (JsonNode instances cannot have two parents).</summary>
    public static JsonArray Create() =>
    [
        ActivityStreams,
        SecurityV1,
        DataIntegrityV1,
        MultikeyV1,
        new JsonObject
        {
            ["lemmy"] = "https://join-lemmy.org/ns#",
            ["toot"] = "http://joinmastodon.org/ns#",
            // as:sensitive and as:manuallyApprovesFollowers are widely used "as:" extensions that the
            // normative AS2 context does not define.
            ["sensitive"] = "as:sensitive",
            ["manuallyApprovesFollowers"] = "as:manuallyApprovesFollowers",
            ["Hashtag"] = "as:Hashtag",
            // FEP-1b12 group terms, as Lemmy defines them.
            ["postingRestrictedToMods"] = "lemmy:postingRestrictedToMods",
            ["moderators"] = new JsonObject { ["@id"] = "lemmy:moderators", ["@type"] = "@id" },
            ["featured"] = new JsonObject { ["@id"] = "toot:featured", ["@type"] = "@id" },
            ["discoverable"] = "toot:discoverable",
            ["indexable"] = "toot:indexable",
            // FEP-521a: assertionMethod is defined top-level only by did/v1, which not every peer has offline; the
            // data-integrity and multikey contexts scope it. Without this term JSON-LD processors (Fedify) drop
            // our Ed25519 Multikey.
            ["assertionMethod"] = new JsonObject { ["@id"] = "https://w3id.org/security#assertionMethod", ["@type"] = "@id", ["@container"] = "@set" },
        },
    ];
}
