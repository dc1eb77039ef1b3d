using System.Text.Json;
using Kindred.ActivityPub.Vocabulary;

namespace Kindred.Server.Federation.Resolution;

/// <summary>Key material as stored: <c>pem</c> (security v1 <c>publicKeyPem</c>) or <c>multibase</c> (FEP-521a Multikey).</summary>
public sealed record KeyMaterial(string Format, string Text);

/// <summary>
/// Reading keys out of fetched documents. The rule they serve (Mastodon's, for RSA and Multikey keys alike): a key
/// speaks for an actor only when that actor's own document, fetched from the actor's id, lists the key, in
/// <c>publicKey</c> or <c>assertionMethod</c>, embedded or by id. A key document naming an owner proves nothing
/// by itself: anyone who can put a file on the owner's origin could write one.
/// </summary>
public static class KeyDocuments
{
    /// <summary>The ids of every key <paramref name="actor"/> lists as its own (embedded, or by reference only).</summary>
    public static IReadOnlyList<string> ListedIds(AsActor actor)
    {
        var ids = new List<string>();
        foreach (var property in (ReadOnlySpan<string>)["publicKey", "assertionMethod"])
        {
            foreach (var item in Items(actor.Raw, property))
            {
                switch (item.ValueKind)
                {
                    case JsonValueKind.String when item.GetString() is { Length: > 0 } id:
                        ids.Add(id);
                        break;
                    case JsonValueKind.Object when Str(item, "id") is { } id:
                        // An entry naming another owner or controller is not this actor's key.
                        var owner = Str(item, "owner") ?? Str(item, "controller");
                        if (owner is null || (Uri.TryCreate(owner, UriKind.Absolute, out var o) && o == actor.Id))
                        {
                            ids.Add(id);
                        }

                        break;
                }
            }
        }

        return ids;
    }

    /// <summary>Whether <paramref name="actor"/> lists <paramref name="keyId"/> as its own.</summary>
    public static bool Lists(AsActor actor, string keyId) => ListedIds(actor).Contains(keyId, StringComparer.Ordinal);

    /// <summary>The material of <paramref name="keyId"/> when <paramref name="actor"/> embeds it as its own, else null.</summary>
    public static KeyMaterial? EmbeddedIn(AsActor actor, string keyId)
    {
        if (actor.PublicKeys.FirstOrDefault(k => k.Id == keyId && (k.Owner is null || k.Owner == actor.Id)) is { } pem)
        {
            return new KeyMaterial("pem", pem.PublicKeyPem);
        }

        return actor.AssertionMethods.FirstOrDefault(k => k.Id == keyId && (k.Controller is null || k.Controller == actor.Id)) is { } multikey
            ? new KeyMaterial("multibase", multikey.PublicKeyMultibase)
            : null;
    }

    /// <summary>Every key <paramref name="actor"/> embeds as its own, with its material.</summary>
    public static IEnumerable<(string KeyId, KeyMaterial Material)> Embedded(AsActor actor) =>
        actor.PublicKeys.Where(k => k.Owner is null || k.Owner == actor.Id).Select(k => (k.Id, new KeyMaterial("pem", k.PublicKeyPem)))
            .Concat(actor.AssertionMethods.Where(k => k.Controller is null || k.Controller == actor.Id)
                .Select(k => (k.Id, new KeyMaterial("multibase", k.PublicKeyMultibase))));

    /// <summary>
    /// The owner a stand-alone key document (security v1 <c>CryptographicKey</c> or a Multikey) names, and its
    /// material; the document's id must be <paramref name="keyId"/>.
    /// </summary>
    /// <exception cref="ResolutionException">Another id, no owner, or no key in it.</exception>
    public static (Uri Owner, KeyMaterial Material) StandAlone(AsEntity entity, string keyId)
    {
        var raw = entity.Raw;
        if (entity.Id?.AbsoluteUri != keyId && entity.Id?.ToString() != keyId)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "The key document has another id.");
        }

        if (!Uri.TryCreate(Str(raw, "owner") ?? Str(raw, "controller"), UriKind.Absolute, out var owner))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "The key document names no owner.");
        }

        var material = Str(raw, "publicKeyPem") is { } pem ? new KeyMaterial("pem", pem)
            : Str(raw, "publicKeyMultibase") is { } multibase ? new KeyMaterial("multibase", multibase)
            : throw new ResolutionException(ResolutionFailure.Invalid, "The key document has no public key.");
        return (owner, material);
    }

    private static List<JsonElement> Items(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v))
        {
            return [];
        }

        return v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray()] : [v];
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
