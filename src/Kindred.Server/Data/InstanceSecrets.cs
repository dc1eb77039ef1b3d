using System.Security.Cryptography;
using Dapper;
using Microsoft.AspNetCore.DataProtection;

namespace Kindred.Server.Data;

/// <summary>
/// Secrets the instance makes for itself on first start and shares between nodes through the database
/// (first writer wins, everyone reads the same value). Stored encrypted with Data Protection, whose ring is in turn
/// encrypted with the certificate kept outside the database (<see cref="KeyRingProtection"/>): a stolen database
/// forges no API token. Values stored in clear by earlier versions are encrypted when first read.
/// </summary>
public sealed class InstanceSecrets(Database db, TimeProvider time, IDataProtectionProvider dataProtection)
{
    public const string TokenSigningKey = "api-token-signing-key";
    private const string Prefix = "dp1:";

    private readonly IDataProtector _protector = dataProtection.CreateProtector("Kindred.InstanceSecrets.v1");

    private const string Insert = "INSERT INTO instance_secrets (name, value, created_at) VALUES (@name, @value, @at) ON CONFLICT (name) DO NOTHING";
    private const string Select = "SELECT value FROM instance_secrets WHERE name = @name";
    private const string Update = "UPDATE instance_secrets SET value = @value WHERE name = @name AND value = @old";

    public async Task<byte[]> GetOrCreateAsync(string name, int bytes, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        var fresh = RandomNumberGenerator.GetBytes(bytes);
        await connection.ExecuteAsync(Insert, new { name, value = Protect(fresh), at = time.GetUtcNow() });
        CryptographicOperations.ZeroMemory(fresh);
        var stored = await connection.QuerySingleAsync<string>(Select, new { name });
        if (stored.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return _protector.Unprotect(Convert.FromBase64String(stored[Prefix.Length..]));
        }

        var value = Convert.FromBase64String(stored);
        await connection.ExecuteAsync(Update, new { name, value = Protect(value), old = stored });
        return value;
    }

    /// <summary>Replaces a secret (key rotation); the next <see cref="GetOrCreateAsync"/> returns the new value.</summary>
    public async Task<byte[]> ReplaceAsync(string name, int bytes, CancellationToken ct = default)
    {
        var fresh = RandomNumberGenerator.GetBytes(bytes);
        await db.InTransactionAsync((c, tx) => c.ExecuteAsync(
            "UPDATE instance_secrets SET value = @value, created_at = @at WHERE name = @name", new { name, value = Protect(fresh), at = time.GetUtcNow() }, tx), ct);
        return fresh;
    }

    /// <summary>After a new Data Protection key: every secret is protected again with the ring's current key. Returns how many.</summary>
    public async Task<int> ReprotectAllAsync(CancellationToken ct = default) =>
        await db.InTransactionAsync(async (c, tx) =>
        {
            var rows = (await c.QueryAsync<(string Name, string Value)>(new CommandDefinition("SELECT name, value FROM instance_secrets", transaction: tx, cancellationToken: ct))).ToList();
            foreach (var (name, stored) in rows)
            {
                var value = stored.StartsWith(Prefix, StringComparison.Ordinal)
                    ? _protector.Unprotect(Convert.FromBase64String(stored[Prefix.Length..]))
                    : Convert.FromBase64String(stored);
                await c.ExecuteAsync(new CommandDefinition("UPDATE instance_secrets SET value = @value WHERE name = @name", new { name, value = Protect(value) }, tx, cancellationToken: ct));
                CryptographicOperations.ZeroMemory(value);
            }

            return rows.Count;
        }, ct);

    private string Protect(byte[] value) => Prefix + Convert.ToBase64String(_protector.Protect(value));
}
