using System.Security.Cryptography;
using Dapper;
using Kindred.Server.Web;

namespace Kindred.Server.Data;

/// <summary>
/// Secrets the instance makes for itself on first start and shares between nodes through the database
/// (first writer wins, everyone reads the same value).
/// </summary>
public sealed class InstanceSecrets(Database db, TimeProvider time)
{
    public const string TokenSigningKey = "api-token-signing-key";

    public async Task<byte[]> GetOrCreateAsync(string name, int bytes, CancellationToken ct = default)
    {
        await using var connection = await db.OpenAsync(ct);
        await connection.ExecuteAsync(
            "INSERT INTO instance_secrets (name, value, created_at) VALUES (@name, @value, @at) ON CONFLICT (name) DO NOTHING",
            new { name, value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)), at = time.GetUtcNow() });
        var value = await connection.QuerySingleAsync<string>("SELECT value FROM instance_secrets WHERE name = @name", new { name });
        return Convert.FromBase64String(value);
    }
}
