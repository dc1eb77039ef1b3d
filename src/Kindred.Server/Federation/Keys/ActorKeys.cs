using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dapper;
using Kindred.ActivityPub.Keys;
using Kindred.Server.Data;
using Microsoft.AspNetCore.DataProtection;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Keys;

/// <summary>The public halves of a local actor's two keys, as published in its actor document.</summary>
public sealed record ActorPublicKeys(string ActorId, string RsaKeyId, string RsaPublicKeyPem, string Ed25519KeyId, string Ed25519PublicKeyMultibase);

/// <summary>
/// Keys of local actors (users, groups, the instance actor): an RSA-2048 key (<c>{actor}#main-key</c>, the
/// <c>publicKey</c> every peer verifies draft-cavage signatures with) and an Ed25519 key
/// (<c>{actor}#ed25519-key</c>, a Multikey in <c>assertionMethod</c>, FEP-521a). Generated on first need and
/// stored in <c>actor_keys</c> with the private half encrypted by ASP.NET Data Protection (purpose
/// <see cref="Purpose"/>; the key ring lives in the database, so every node can decrypt). See
/// docs/adr/0002-actor-key-storage.md. Private key material is never logged or returned as text.
/// </summary>
/// <remarks>Returned <see cref="SigningKey"/>s are cached and shared: callers must not dispose them.</remarks>
public sealed class ActorKeys(Database db, IDataProtectionProvider dataProtection, ActorUrls urls, TimeProvider time, ILogger<ActorKeys> logger)
{
    public const string Purpose = "Kindred.ActorKeys.v1";
    private const string Rsa = "rsa";
    private const string Ed25519 = "ed25519";

    private readonly IDataProtector _protector = dataProtection.CreateProtector(Purpose);
    private readonly ConcurrentDictionary<(string, string), SigningKey> _signing = new();
    private readonly ConcurrentDictionary<string, ActorPublicKeys> _public = new();
    private readonly SemaphoreSlim _generate = new(1, 1);

    /// <summary>The RSA key (<c>#main-key</c>) that signs draft-cavage requests for <paramref name="actorId"/>.</summary>
    public Task<SigningKey> GetSigningKeyAsync(string actorId, CancellationToken ct) => GetSigningKeyAsync(actorId, KeyType.Rsa, ct);

    /// <summary>The RSA (<c>#main-key</c>) or Ed25519 (<c>#ed25519-key</c>) signing key of a local actor.</summary>
    public async Task<SigningKey> GetSigningKeyAsync(string actorId, KeyType type, CancellationToken ct)
    {
        var kind = type switch
        {
            KeyType.Rsa => Rsa,
            KeyType.Ed25519 => Ed25519,
            _ => throw new ArgumentOutOfRangeException(nameof(type), "Local actors have RSA and Ed25519 keys only."),
        };
        if (_signing.TryGetValue((actorId, kind), out var cached))
        {
            return cached;
        }

        var row = (await LoadOrCreateAsync(actorId, ct)).Single(r => r.KeyType == kind);
        var pkcs8 = _protector.Unprotect(Convert.FromBase64String(row.PrivateKeyProtected));
        try
        {
            var key = SigningKey.FromPkcs8(row.KeyId, pkcs8);
            if (!_signing.TryAdd((actorId, kind), key))
            {
                key.Dispose();
            }

            return _signing[(actorId, kind)];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    /// <summary>The public keys to publish in the actor document of <paramref name="actorId"/>.</summary>
    public async Task<ActorPublicKeys> GetPublicKeysAsync(string actorId, CancellationToken ct)
    {
        if (_public.TryGetValue(actorId, out var cached))
        {
            return cached;
        }

        var rows = await LoadOrCreateAsync(actorId, ct);
        var rsa = rows.Single(r => r.KeyType == Rsa);
        var ed = rows.Single(r => r.KeyType == Ed25519);
        var keys = new ActorPublicKeys(actorId, rsa.KeyId, rsa.PublicKey, ed.KeyId, ed.PublicKey);
        _public.TryAdd(actorId, keys);
        return keys;
    }

    private const string Replace = """
        UPDATE actor_keys SET public_key = @publicKey, private_key_protected = @privateKeyProtected, created_at = @createdAt
        WHERE actor_id = @actorId AND key_type = @keyType
        """;

    /// <summary>
    /// Key rotation (<c>admin rotate-keys</c>): new RSA and Ed25519 keys for <paramref name="actorId"/>, under the same key
    /// ids, so peers that fetch the actor again (on our Update, or when a signature no longer verifies) find the new ones.
    /// Protected with the Data Protection ring's current key. Every node must restart to sign with them (keys are cached).
    /// </summary>
    public async Task ReplaceAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, string actorId, CancellationToken ct)
    {
        foreach (var (keyType, pair, publicPart) in new (string, GeneratedKeyPair, Func<GeneratedKeyPair, string>)[]
                 {
                     (Rsa, KeyGeneration.GenerateRsa(2048), p => p.PublicKeyPem),
                     (Ed25519, KeyGeneration.GenerateEd25519(), p => p.PublicKeyMultibase),
                 })
        {
            try
            {
                var protectedKey = Convert.ToBase64String(_protector.Protect(pair.Pkcs8PrivateKey));
                await c.ExecuteAsync(new CommandDefinition(Replace,
                    new { actorId, keyType, publicKey = publicPart(pair), privateKeyProtected = protectedKey, createdAt = time.GetUtcNow() }, tx, cancellationToken: ct));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(pair.Pkcs8PrivateKey);
            }
        }

        _public.TryRemove(actorId, out _);
        foreach (var kind in new[] { Rsa, Ed25519 })
        {
            if (_signing.TryRemove((actorId, kind), out var old))
            {
                old.Dispose();
            }
        }
    }

    /// <summary>
    /// After a new Data Protection key (<c>admin rotate-keys --data-protection</c>): every stored private key is protected
    /// again with the ring's current key. Returns how many.
    /// </summary>
    public async Task<int> ReprotectAllAsync(CancellationToken ct)
    {
        return await db.InTransactionAsync(async (c, tx) =>
        {
            var rows = (await c.QueryAsync<(string ActorId, string KeyType, string PrivateKeyProtected)>(new CommandDefinition(
                "SELECT actor_id, key_type, private_key_protected FROM actor_keys", transaction: tx, cancellationToken: ct))).ToList();
            foreach (var row in rows)
            {
                var pkcs8 = _protector.Unprotect(Convert.FromBase64String(row.PrivateKeyProtected));
                try
                {
                    await c.ExecuteAsync(new CommandDefinition("UPDATE actor_keys SET private_key_protected = @value WHERE actor_id = @actorId AND key_type = @keyType",
                        new { value = Convert.ToBase64String(_protector.Protect(pkcs8)), actorId = row.ActorId, keyType = row.KeyType }, tx, cancellationToken: ct));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(pkcs8);
                }
            }

            return rows.Count;
        }, ct);
    }

    private sealed record KeyRow
    {
        public string KeyType { get; init; } = "";
        public string KeyId { get; init; } = "";
        public string PublicKey { get; init; } = "";
        public string PrivateKeyProtected { get; init; } = "";
    }

    private const string Select = "SELECT key_type, key_id, public_key, private_key_protected FROM actor_keys WHERE actor_id = @actorId";

    private const string Insert = """
        INSERT INTO actor_keys (actor_id, key_type, key_id, public_key, private_key_protected, created_at)
        VALUES (@actorId, @keyType, @keyId, @publicKey, @privateKeyProtected, @createdAt)
        ON CONFLICT (actor_id, key_type) DO NOTHING
        """;

    private async Task<IReadOnlyList<KeyRow>> LoadOrCreateAsync(string actorId, CancellationToken ct)
    {
        // Only our own actors have keys here; refusing others keeps a bug elsewhere from minting keys for remote ids.
        if (!urls.IsLocal(actorId))
        {
            throw new ArgumentException($"'{actorId}' is not a local actor id.", nameof(actorId));
        }

        var rows = await SelectAsync(actorId, ct);
        if (rows.Count == 2)
        {
            return rows;
        }

        // One generation at a time on this node; across nodes ON CONFLICT DO NOTHING lets the first writer win
        // and everyone re-reads the same keys.
        await _generate.WaitAsync(ct);
        try
        {
            rows = await SelectAsync(actorId, ct);
            if (rows.Count == 2)
            {
                return rows;
            }

            var present = rows.Select(r => r.KeyType).ToHashSet();
            await using var c = await db.OpenAsync(ct);
            if (!present.Contains(Rsa))
            {
                await InsertAsync(c, actorId, Rsa, actorId + "#main-key", KeyGeneration.GenerateRsa(2048), pair => pair.PublicKeyPem);
            }

            if (!present.Contains(Ed25519))
            {
                await InsertAsync(c, actorId, Ed25519, actorId + "#ed25519-key", KeyGeneration.GenerateEd25519(), pair => pair.PublicKeyMultibase);
            }

            logger.LogInformation("Generated signing keys for local actor {ActorId}", actorId);
            return await SelectAsync(actorId, ct);
        }
        finally
        {
            _generate.Release();
        }
    }

    private async Task<IReadOnlyList<KeyRow>> SelectAsync(string actorId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<KeyRow>(new CommandDefinition(Select, new { actorId }, cancellationToken: ct))).ToList();
    }

    private async Task InsertAsync(System.Data.Common.DbConnection c, string actorId, string keyType, string keyId, GeneratedKeyPair pair, Func<GeneratedKeyPair, string> publicPart)
    {
        try
        {
            var protectedKey = Convert.ToBase64String(_protector.Protect(pair.Pkcs8PrivateKey));
            await c.ExecuteAsync(Insert, new { actorId, keyType, keyId, publicKey = publicPart(pair), privateKeyProtected = protectedKey, createdAt = time.GetUtcNow() });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pair.Pkcs8PrivateKey);
        }
    }
}
