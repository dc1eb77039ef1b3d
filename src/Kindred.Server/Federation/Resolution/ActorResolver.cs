using System.Text;
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
/// Remote actors and their keys, fetched through <see cref="RemoteFetcher"/> and cached in bounded memory
/// (<see cref="FederationOptions.ResolverCacheEntries"/> each) and in <c>remote_actors</c>/<c>remote_keys</c> for
/// <see cref="FederationOptions.ActorCacheMinutes"/>. Every fetched document must be served as ActivityStreams
/// (<see cref="ActivityPubMediaType"/>). A key is only accepted when its owner's own actor document, fetched from the
/// owner's id on the key's origin, lists it (FEP-fe34; Mastodon's rule). An actor or key URL answering 410 Gone
/// revokes what we hold about it. The caller still checks the owner against the activity's actor.
/// </summary>
public sealed class ActorResolver(RemoteFetcher fetcher, Database db, ActorUrls urls, IOptions<FederationOptions> options, TimeProvider time, ILogger<ActorResolver> logger)
{
    private readonly ActivityStreamsParser _parser = new(new ActivityStreamsParserOptions { MaxDepth = 32, MaxBytes = options.Value.MaxFetchBytes });
    private readonly ResolverCache<string, RemoteKey> _keys = new(options.Value.ResolverCacheEntries);
    private readonly ResolverCache<Uri, RemoteActor> _actors = new(options.Value.ResolverCacheEntries);

    private TimeSpan CacheFor => TimeSpan.FromMinutes(options.Value.ActorCacheMinutes);

    /// <summary>Sizes and hit/miss counts of the in-memory actor and key caches.</summary>
    public ResolverCacheStats Stats => new(_actors.Counts(), _keys.Counts());

    /// <summary>The key <paramref name="keyId"/> from cache (when fresh and not <paramref name="refresh"/>) or its origin.</summary>
    /// <exception cref="ResolutionException">Unreachable, refused, gone, or the owner's document does not list the key.</exception>
    public async Task<RemoteKey> GetKeyAsync(string keyId, bool refresh, CancellationToken ct)
    {
        if (!refresh)
        {
            if (_keys.TryGetFresh(keyId, time.GetUtcNow(), CacheFor, out var hit))
            {
                return hit;
            }

            if (await GetStoredKeyAsync(keyId, ct) is { } stored && time.GetUtcNow() - stored.FetchedAt < CacheFor)
            {
                return stored.Key;
            }
        }

        var url = KeyDocumentUrl(keyId);
        var fetched = await FetchAsync(url, ct);
        var entity = Parse(fetched);
        AsActor owner;
        byte[] ownerDocument;
        if (entity is AsActor actor && actor.Id == url)
        {
            // The usual case (Mastodon, Lemmy, Kindred...): the key id is the actor's id plus a fragment.
            (owner, ownerDocument) = (actor, fetched.Body);
        }
        else
        {
            // A stand-alone key document, or an actor document served at another URL (GoToSocial's key stubs): only
            // the owner's own document can say the key is theirs.
            var ownerId = entity is AsActor stub ? stub.Id : KeyDocuments.StandAlone(entity, keyId).Owner;
            if (ownerId is null || !Origins.SameOrigin(ownerId, url))
            {
                throw new ResolutionException(ResolutionFailure.Invalid, $"Key {keyId} claims an owner on another origin.");
            }

            var ownerFetched = await FetchAsync(ownerId, ct);
            if (Parse(ownerFetched) is not AsActor ownerActor || ownerActor.Id != ownerId)
            {
                throw new ResolutionException(ResolutionFailure.Invalid, $"The owner of key {keyId}, {ownerId}, is not an actor with that id.");
            }

            (owner, ownerDocument) = (ownerActor, ownerFetched.Body);
        }

        if (!KeyDocuments.Lists(owner, keyId))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"{owner.Id} does not list key {keyId} as its own.");
        }

        // The owner's document is authoritative for the material; a key it lists only by id is read from the key document.
        var material = KeyDocuments.EmbeddedIn(owner, keyId)
            ?? (entity is AsActor other ? KeyDocuments.EmbeddedIn(other, keyId) : KeyDocuments.StandAlone(entity, keyId).Material)
            ?? throw new ResolutionException(ResolutionFailure.Invalid, $"Key {keyId} has no public key material.");
        var key = ToKey(keyId, owner.Id!, material.Format, material.Text)
            ?? throw new ResolutionException(ResolutionFailure.Invalid, $"Key {keyId} is malformed.");

        await StoreActorAsync(owner, ownerDocument, ct);
        var now = time.GetUtcNow();
        await using (var c = await db.OpenAsync(ct))
        {
            await c.ExecuteAsync(UpsertKey, new { keyId, actorId = owner.Id!.AbsoluteUri, format = material.Format, publicKey = material.Text, fetchedAt = now });
        }

        var remote = new RemoteKey(keyId, owner.Id!, key, FromCache: false);
        _keys.Set(keyId, remote with { FromCache = true }, now);
        return remote;
    }

    /// <summary>A key we already know, whatever its age, without fetching (e.g. for a Delete of a gone actor).</summary>
    public async Task<(RemoteKey Key, DateTimeOffset FetchedAt)?> GetCachedKeyAsync(string keyId, CancellationToken ct) =>
        _keys.TryGet(keyId, out var hit) ? (hit.Value, hit.FetchedAt) : await GetStoredKeyAsync(keyId, ct);

    private async Task<(RemoteKey Key, DateTimeOffset FetchedAt)?> GetStoredKeyAsync(string keyId, CancellationToken ct)
    {
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

        var remote = new RemoteKey(keyId, owner, key, FromCache: true);
        _keys.Set(keyId, remote, row.FetchedAt);
        return (remote, row.FetchedAt);
    }

    /// <summary>The actor <paramref name="id"/>, from cache or fetched. Actors that answered 404/410 raise <see cref="ResolutionFailure.Gone"/>.</summary>
    public async Task<RemoteActor> GetActorAsync(Uri id, bool refresh, CancellationToken ct)
    {
        if (urls.IsLocal(id))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "Local actors are not resolved remotely.");
        }

        if (!refresh && _actors.TryGetFresh(id, time.GetUtcNow(), CacheFor, out var hit))
        {
            return hit;
        }

        if (!refresh)
        {
            await using var c = await db.OpenAsync(ct);
            var row = await c.QuerySingleOrDefaultAsync<ActorRow>(SelectActor, new { id = id.AbsoluteUri, now = time.GetUtcNow() });
            if (row is not null)
            {
                var actor = ToActor(row);
                _actors.Set(id, actor, row.FetchedAt);
                return actor;
            }
        }

        var fetched = await FetchAsync(id, ct);
        if (Parse(fetched) is not AsActor parsed || parsed.Id is null || parsed.Id != id)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"{id} is not an actor with that id.");
        }

        return await StoreActorAsync(parsed, fetched.Body, ct);
    }

    private const string DropOtherKeysSqlite = "DELETE FROM remote_keys WHERE actor_id = @actorId AND key_id NOT IN @keep";
    private const string DropOtherKeysPostgres = "DELETE FROM remote_keys WHERE actor_id = @actorId AND key_id <> ALL(@keep)";

    /// <summary>
    /// Fetches the actor <paramref name="id"/> from its origin now, whatever the cache says, and replaces what we cached
    /// about it: the actor row and its keys (keys it no longer lists are dropped, so a rotated key takes effect).
    /// The document's id must be <paramref name="id"/> itself: a copy of the actor served elsewhere is not accepted.
    /// </summary>
    /// <exception cref="ResolutionException">Unreachable, refused, gone (404/410), or not an actor with that id.</exception>
    public async Task<AsActor> RefreshActorAsync(Uri id, CancellationToken ct)
    {
        if (urls.IsLocal(id))
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "Local actors are not resolved remotely.");
        }

        var fetched = await FetchAsync(id, ct);
        if (Parse(fetched) is not AsActor actor || actor.Id is null || actor.Id != id)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, $"{id} is not an actor with that id.");
        }

        await StoreActorAsync(actor, fetched.Body, ct);
        var keep = KeyDocuments.ListedIds(actor);
        _keys.RemoveWhere((keyId, key) => key.Owner == id && !keep.Contains(keyId));
        var drop = db.Dialect == Data.Dialect.Postgres ? DropOtherKeysPostgres : DropOtherKeysSqlite;
        await db.InTransactionAsync(async (c, tx) => await c.ExecuteAsync(drop, new { actorId = id.AbsoluteUri, keep = keep.ToArray() }, tx), ct);
        return actor;
    }

    /// <summary>Fetches a remote object by id; its id must be the URL it came from (no spoofed copies).</summary>
    public async Task<AsEntity> GetObjectAsync(Uri id, CancellationToken ct)
    {
        var fetched = await FetchAsync(id, ct);
        var entity = Parse(fetched);
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
        _actors.Remove(id);
        _keys.RemoveWhere((_, key) => key.Owner == id);
        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(DeleteKeys, new { id = id.AbsoluteUri }, tx);
            await c.ExecuteAsync(DeleteActor, new { id = id.AbsoluteUri }, tx);
        }, ct);
    }

    // Unused: nothing here refers to the actor any more (membership in a local group, a follow of a local actor, a
    // remote group members here follow) and it has not been fetched since the cut-off. Keys go with their actor.
    private const string UnusedActors = """
        SELECT a.id FROM remote_actors a
        WHERE a.fetched_at < @before
          AND NOT EXISTS (SELECT 1 FROM remote_members m WHERE m.actor_id = a.id)
          AND NOT EXISTS (SELECT 1 FROM remote_followers f WHERE f.follower_id = a.id)
          AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.ap_id = a.id)
        LIMIT 500
        """;

    private const string DeleteKeysOfSqlite = "DELETE FROM remote_keys WHERE actor_id IN @ids";
    private const string DeleteKeysOfPostgres = "DELETE FROM remote_keys WHERE actor_id = ANY(@ids)";
    private const string DeleteActorsSqlite = "DELETE FROM remote_actors WHERE id IN @ids";
    private const string DeleteActorsPostgres = "DELETE FROM remote_actors WHERE id = ANY(@ids)";

    /// <summary>
    /// Retention: forgets cached actors (and their keys) that nothing here uses and that were last fetched before
    /// <paramref name="before"/>, in batches. They are fetched again if they ever write to us.
    /// </summary>
    public async Task<int> PruneUnusedAsync(DateTimeOffset before, CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var removed = await db.InTransactionAsync(async (c, tx) =>
            {
                var ids = (await c.QueryAsync<string>(new CommandDefinition(UnusedActors, new { before }, tx, cancellationToken: ct))).ToArray();
                if (ids.Length == 0)
                {
                    return ids;
                }

                var pg = db.Dialect == Dialect.Postgres;
                await c.ExecuteAsync(new CommandDefinition(pg ? DeleteKeysOfPostgres : DeleteKeysOfSqlite, new { ids }, tx, cancellationToken: ct));
                await c.ExecuteAsync(new CommandDefinition(pg ? DeleteActorsPostgres : DeleteActorsSqlite, new { ids }, tx, cancellationToken: ct));
                return ids;
            }, ct);
            foreach (var id in removed)
            {
                if (Uri.TryCreate(id, UriKind.Absolute, out var uri))
                {
                    _actors.Remove(uri);
                    _keys.RemoveWhere((_, key) => key.Owner == uri);
                }
            }

            total += removed.Length;
            if (removed.Length < 500)
            {
                break;
            }
        }

        return total;
    }

    // A key is revoked with its own URL (key_id, or key_id = url#fragment) or its owner's (actor_id).
    private const string RevokeKeys = """
        DELETE FROM remote_keys WHERE actor_id = @url OR key_id = @url OR substr(key_id, 1, @prefixLength) = @prefix
        """;

    private const string MarkActorGone = "UPDATE remote_actors SET gone_at = @now WHERE id = @url AND gone_at IS NULL";

    /// <summary>
    /// <paramref name="url"/> answered 410 Gone: every key it is, holds or owns is revoked (cache and database), so
    /// no signature made with them verifies any more, and an actor there is marked gone.
    /// </summary>
    public async Task RevokeAsync(Uri url, CancellationToken ct)
    {
        var prefix = url.AbsoluteUri + "#";
        _actors.Remove(url);
        _keys.RemoveWhere((keyId, key) => key.Owner == url || keyId == url.AbsoluteUri || keyId.StartsWith(prefix, StringComparison.Ordinal));
        var removed = await db.InTransactionAsync(async (c, tx) =>
        {
            var n = await c.ExecuteAsync(RevokeKeys, new { url = url.AbsoluteUri, prefix, prefixLength = prefix.Length }, tx);
            await c.ExecuteAsync(MarkActorGone, new { url = url.AbsoluteUri, now = time.GetUtcNow() }, tx);
            return n;
        }, ct);
        logger.LogInformation("{Url} is gone (410): {Count} cached key(s) revoked", url, removed);
    }

    /// <summary>A GET through the fetcher; a 410 Gone revokes what we hold about the URL before the caller hears of it.</summary>
    private async Task<FetchResult> FetchAsync(Uri url, CancellationToken ct)
    {
        try
        {
            return await fetcher.GetAsync(url, ct);
        }
        catch (ResolutionException ex) when (ex.Status == System.Net.HttpStatusCode.Gone)
        {
            await RevokeAsync(url, ct);
            throw;
        }
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

    private AsEntity Parse(FetchResult fetched)
    {
        if (!ActivityPubMediaType.IsAcceptable(fetched.ContentType))
        {
            throw new ResolutionException(ResolutionFailure.Invalid,
                $"{fetched.Url} is served as {fetched.ContentType?.ToString() ?? "no content type"}, not as ActivityStreams.");
        }

        try
        {
            return _parser.Parse(fetched.Body);
        }
        catch (ActivityStreamsParseException ex)
        {
            throw new ResolutionException(ResolutionFailure.Invalid, "Remote document is not valid ActivityStreams: " + ex.Message, inner: ex);
        }
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
        // Every key the actor embeds is cached, so a later signature with its other key needs no fetch.
        foreach (var (keyId, material) in KeyDocuments.Embedded(a))
        {
            await c.ExecuteAsync(UpsertKey, new { keyId, actorId = a.Id.AbsoluteUri, format = material.Format, publicKey = material.Text, fetchedAt = now });
            _keys.Remove(keyId);
        }

        _actors.Set(actor.Id, actor, now);
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
