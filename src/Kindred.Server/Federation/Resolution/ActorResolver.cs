using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Dapper;
using Kindred.ActivityPub;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Resolution;

/// <summary>A remote actor as far as federation needs it.</summary>
public sealed record RemoteActor(Uri Id, string Type, string? PreferredUsername, Uri? Inbox, Uri? SharedInbox);

/// <summary>A remote public key and the actor that owns it. <see cref="FromCache"/> says whether it was fetched just now.</summary>
public sealed record RemoteKey(string KeyId, Uri Owner, VerificationKey Key, bool FromCache);

/// <summary>
/// Remote actors and their keys, fetched through <see cref="RemoteFetcher"/> and cached in memory and in
/// <c>remote_actors</c>/<c>remote_keys</c> for <see cref="FederationOptions.ActorCacheMinutes"/>. A key is only
/// accepted from its own origin: the document fetched from the key id must have that key, and the key's owner
/// must be on the key's origin (FEP-fe34). The caller still checks the owner against the activity's actor.
/// </summary>
public sealed class ActorResolver(RemoteFetcher fetcher, Database db, ActorUrls urls, IOptions<FederationOptions> options, TimeProvider time, ILogger<ActorResolver> logger)
{
    private readonly ActivityStreamsParser _parser = new(new ActivityStreamsParserOptions { MaxDepth = 32, MaxBytes = options.Value.MaxFetchBytes });
    private readonly ConcurrentDictionary<string, (RemoteKey Key, DateTimeOffset FetchedAt)> _keys = new();
    private readonly ConcurrentDictionary<Uri, (RemoteActor Actor, DateTimeOffset FetchedAt)> _actors = new();

    private TimeSpan CacheFor => TimeSpan.FromMinutes(options.Value.ActorCacheMinutes);

    /// <summary>The key <paramref name="keyId"/> from cache (when fresh and not <paramref name="refresh"/>) or its origin.</summary>
    /// <exception cref="ResolutionException">Unreachable, refused, gone, or the document does not publish the key.</exception>
    public async Task<RemoteKey> GetKeyAsync(string keyId, bool refresh, CancellationToken ct)
    {
        if (!refresh && await GetCachedKeyAsync(keyId, ct) is { } cached && time.GetUtcNow() - cached.FetchedAt < CacheFor)
        {
            return cached.Key;
        }

        var url = KeyDocumentUrl(keyId);
        var fetched = await fetcher.GetAsync(url, ct);
        var entity = Parse(fetched.Body);
        var (owner, format, text) = entity is AsActor actor ? KeyFromActor(actor, keyId, url) : KeyFromKeyDocument(entity, keyId);
        if (!Origins.SameOrigin(owner, url))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"Key {keyId} claims an owner on another origin.");
        }

        var key = ToKey(keyId, owner, format, text)
            ?? throw new ResolutionException(ResolutionFailure.Invalid, $"Key {keyId} is malformed.");
        if (entity is AsActor a)
        {
            await StoreActorAsync(a, fetched.Body, ct);
        }

        var now = time.GetUtcNow();
        await using (var c = await db.OpenAsync(ct))
        {
            await c.ExecuteAsync(UpsertKey, new { keyId, actorId = owner.AbsoluteUri, format, publicKey = text, fetchedAt = now });
        }

        var remote = new RemoteKey(keyId, owner, key, FromCache: false);
        _keys[keyId] = (remote with { FromCache = true }, now);
        return remote;
    }

    /// <summary>A key we already know, whatever its age, without fetching (e.g. for a Delete of a gone actor).</summary>
    public async Task<(RemoteKey Key, DateTimeOffset FetchedAt)?> GetCachedKeyAsync(string keyId, CancellationToken ct)
    {
        if (_keys.TryGetValue(keyId, out var hit))
        {
            return hit with { Key = hit.Key with { FromCache = true } };
        }

        await using var c = await db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<KeyRow>(SelectKey, new { keyId });
        if (row is null)
        {
            return null;
        }

        var owner = new Uri(row.ActorId);
        if (ToKey(keyId, owner, row.Format, row.PublicKey) is not { } key)
        {
            return null;
        }

        var entry = (new RemoteKey(keyId, owner, key, FromCache: true), row.FetchedAt);
        _keys[keyId] = entry;
        return entry;
    }

    /// <summary>The actor <paramref name="id"/>, from cache or fetched. Actors that answered 404/410 raise <see cref="ResolutionFailure.Gone"/>.</summary>
    public async Task<RemoteActor> GetActorAsync(Uri id, bool refresh, CancellationToken ct)
    {
        if (urls.IsLocal(id))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "Local actors are not resolved remotely.");
        }

        if (!refresh && _actors.TryGetValue(id, out var hit) && time.GetUtcNow() - hit.FetchedAt < CacheFor)
        {
            return hit.Actor;
        }

        if (!refresh)
        {
            await using var c = await db.OpenAsync(ct);
            var row = await c.QuerySingleOrDefaultAsync<ActorRow>(SelectActor, new { id = id.AbsoluteUri, now = time.GetUtcNow() });
            if (row is not null)
            {
                var actor = ToActor(row);
                _actors[id] = (actor, row.FetchedAt);
                return actor;
            }
        }

        var fetched = await fetcher.GetAsync(id, ct);
        if (Parse(fetched.Body) is not AsActor parsed || parsed.Id is null || parsed.Id != id)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"{id} is not an actor with that id.");
        }

        return await StoreActorAsync(parsed, fetched.Body, ct);
    }

    private const string DropOtherKeysSqlite = "DELETE FROM remote_keys WHERE actor_id = @actorId AND key_id NOT IN @keep";
    private const string DropOtherKeysPostgres = "DELETE FROM remote_keys WHERE actor_id = @actorId AND key_id <> ALL(@keep)";

    /// <summary>
    /// Fetches the actor <paramref name="id"/> from its origin now, whatever the cache says, and replaces what we cached
    /// about it: the actor row and its keys (keys it no longer publishes are dropped, so a rotated key takes effect).
    /// The document's id must be <paramref name="id"/> itself: a copy of the actor served elsewhere is not accepted.
    /// </summary>
    /// <exception cref="ResolutionException">Unreachable, refused, gone (404/410), or not an actor with that id.</exception>
    public async Task<AsActor> RefreshActorAsync(Uri id, CancellationToken ct)
    {
        if (urls.IsLocal(id))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "Local actors are not resolved remotely.");
        }

        var fetched = await fetcher.GetAsync(id, ct);
        if (Parse(fetched.Body) is not AsActor actor || actor.Id is null || actor.Id != id)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"{id} is not an actor with that id.");
        }

        await StoreActorAsync(actor, fetched.Body, ct);
        var keep = actor.PublicKeys.Where(k => k.Owner is null || k.Owner == actor.Id).Select(k => k.Id)
            .Concat(actor.AssertionMethods.Where(k => k.Controller is null || k.Controller == actor.Id).Select(k => k.Id))
            .ToList();
        foreach (var entry in _keys.Where(k => k.Value.Key.Owner == id && !keep.Contains(k.Key)).ToList())
        {
            _keys.TryRemove(entry.Key, out _);
        }

        var drop = db.Dialect == Data.Dialect.Postgres ? DropOtherKeysPostgres : DropOtherKeysSqlite;
        await db.InTransactionAsync(async (c, tx) => await c.ExecuteAsync(drop, new { actorId = id.AbsoluteUri, keep = keep.ToArray() }, tx), ct);
        return actor;
    }

    /// <summary>Fetches a remote object by id; its id must be the URL it came from (no spoofed copies).</summary>
    public async Task<AsEntity> GetObjectAsync(Uri id, CancellationToken ct)
    {
        var fetched = await fetcher.GetAsync(id, ct);
        var entity = Parse(fetched.Body);
        if (entity.Id is null || !Origins.SameOrigin(entity.Id, id))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"{id} returned an object with a foreign id.");
        }

        return entity;
    }

    private const string DeleteActor = "DELETE FROM remote_actors WHERE id = @id";
    private const string DeleteKeys = "DELETE FROM remote_keys WHERE actor_id = @id";

    /// <summary>Drops everything cached about an actor (it was deleted).</summary>
    public async Task ForgetActorAsync(Uri id, CancellationToken ct)
    {
        _actors.TryRemove(id, out _);
        foreach (var entry in _keys.Where(k => k.Value.Key.Owner == id).ToList())
        {
            _keys.TryRemove(entry.Key, out _);
        }

        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(DeleteKeys, new { id = id.AbsoluteUri }, tx);
            await c.ExecuteAsync(DeleteActor, new { id = id.AbsoluteUri }, tx);
        }, ct);
    }

    private Uri KeyDocumentUrl(string keyId)
    {
        if (!Uri.TryCreate(keyId, UriKind.Absolute, out var u) || u.Scheme is not ("https" or "http"))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "The key id is not an http(s) URL.");
        }

        if (urls.IsLocal(u))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "A remote request cannot be signed with one of our keys.");
        }

        return new Uri(u.GetLeftPart(UriPartial.Query));
    }

    private AsEntity Parse(byte[] body)
    {
        try
        {
            return _parser.Parse(body);
        }
        catch (ActivityStreamsParseException ex)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "Remote document is not valid ActivityStreams: " + ex.Message, inner: ex);
        }
    }

    private static (Uri Owner, string Format, string Text) KeyFromActor(AsActor actor, string keyId, Uri fetchedFrom)
    {
        if (actor.Id is null || !Origins.SameOrigin(actor.Id, fetchedFrom))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "The key document's id is on another origin.");
        }

        // The key must be the actor's own: an owner/controller naming someone else is not proof of anything.
        if (actor.PublicKeys.FirstOrDefault(k => k.Id == keyId && (k.Owner is null || k.Owner == actor.Id)) is { } pem)
        {
            return (actor.Id, "pem", pem.PublicKeyPem);
        }

        if (actor.AssertionMethods.FirstOrDefault(k => k.Id == keyId && (k.Controller is null || k.Controller == actor.Id)) is { } multikey)
        {
            return (actor.Id, "multibase", multikey.PublicKeyMultibase);
        }

        throw new ResolutionException(ResolutionFailure.Invalid, $"The actor does not publish key {keyId}.");
    }

    /// <summary>A stand-alone key document (security v1 <c>CryptographicKey</c> or a Multikey) with owner/controller.</summary>
    private static (Uri Owner, string Format, string Text) KeyFromKeyDocument(AsEntity entity, string keyId)
    {
        var raw = entity.Raw;
        if (entity.Id?.AbsoluteUri != keyId && entity.Id?.ToString() != keyId)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "The key document has another id.");
        }

        var owner = Str(raw, "owner") ?? Str(raw, "controller");
        if (!Uri.TryCreate(owner, UriKind.Absolute, out var ownerUri))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "The key document names no owner.");
        }

        if (Str(raw, "publicKeyPem") is { } pem)
        {
            return (ownerUri, "pem", pem);
        }

        if (Str(raw, "publicKeyMultibase") is { } multibase)
        {
            return (ownerUri, "multibase", multibase);
        }

        throw new ResolutionException(ResolutionFailure.Invalid, "The key document has no public key.");

        static string? Str(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    private const string UpsertActor = """
        INSERT INTO remote_actors (id, actor_type, preferred_username, inbox, shared_inbox, document, fetched_at, expires_at, gone_at)
        VALUES (@Id, @ActorType, @PreferredUsername, @Inbox, @SharedInbox, @Document, @FetchedAt, @ExpiresAt, NULL)
        ON CONFLICT (id) DO UPDATE SET actor_type = excluded.actor_type, preferred_username = excluded.preferred_username,
            inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, document = excluded.document,
            fetched_at = excluded.fetched_at, expires_at = excluded.expires_at, gone_at = NULL
        """;

    private const string UpsertKey = """
        INSERT INTO remote_keys (key_id, actor_id, format, public_key, fetched_at) VALUES (@keyId, @actorId, @format, @publicKey, @fetchedAt)
        ON CONFLICT (key_id) DO UPDATE SET actor_id = excluded.actor_id, format = excluded.format,
            public_key = excluded.public_key, fetched_at = excluded.fetched_at
        """;

    private async Task<RemoteActor> StoreActorAsync(AsActor a, byte[] document, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var actor = new RemoteActor(a.Id!, a.Type, a.PreferredUsername, a.Inbox, a.SharedInbox);
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(UpsertActor, new
        {
            Id = a.Id!.AbsoluteUri, ActorType = a.Type, a.PreferredUsername, Inbox = a.Inbox?.AbsoluteUri, SharedInbox = a.SharedInbox?.AbsoluteUri,
            Document = Encoding.UTF8.GetString(document), FetchedAt = now, ExpiresAt = now + CacheFor,
        });
        // Every key the actor publishes is cached, so a later signature with its other key needs no fetch.
        foreach (var k in a.PublicKeys.Where(k => k.Owner is null || k.Owner == a.Id))
        {
            await c.ExecuteAsync(UpsertKey, new { keyId = k.Id, actorId = a.Id.AbsoluteUri, format = "pem", publicKey = k.PublicKeyPem, fetchedAt = now });
            _keys.TryRemove(k.Id, out _);
        }

        foreach (var k in a.AssertionMethods.Where(k => k.Controller is null || k.Controller == a.Id))
        {
            await c.ExecuteAsync(UpsertKey, new { keyId = k.Id, actorId = a.Id.AbsoluteUri, format = "multibase", publicKey = k.PublicKeyMultibase, fetchedAt = now });
            _keys.TryRemove(k.Id, out _);
        }

        _actors[actor.Id] = (actor, now);
        logger.LogDebug("Cached remote actor {ActorId}", actor.Id);
        return actor;
    }

    private static VerificationKey? ToKey(string keyId, Uri owner, string format, string text)
    {
        try
        {
            return format == "pem" ? VerificationKey.FromPem(keyId, owner, text) : VerificationKey.FromMultibase(keyId, owner, text);
        }
        catch (Exception ex) when (ex is KeyFormatException or FormatException)
        {
            return null;
        }
    }

    private const string SelectKey = "SELECT actor_id, format, public_key, fetched_at FROM remote_keys WHERE key_id = @keyId";
    private const string SelectActor = "SELECT id, actor_type, preferred_username, inbox, shared_inbox, fetched_at FROM remote_actors WHERE id = @id AND expires_at > @now AND gone_at IS NULL";

    private static RemoteActor ToActor(ActorRow r) =>
        new(new Uri(r.Id), r.ActorType, r.PreferredUsername, r.Inbox is null ? null : new Uri(r.Inbox), r.SharedInbox is null ? null : new Uri(r.SharedInbox));

    private sealed record KeyRow
    {
        public string ActorId { get; init; } = "";
        public string Format { get; init; } = "";
        public string PublicKey { get; init; } = "";
        public DateTimeOffset FetchedAt { get; init; }
    }

    private sealed record ActorRow
    {
        public string Id { get; init; } = "";
        public string ActorType { get; init; } = "";
        public string? PreferredUsername { get; init; }
        public string? Inbox { get; init; }
        public string? SharedInbox { get; init; }
        public DateTimeOffset FetchedAt { get; init; }
    }
}
