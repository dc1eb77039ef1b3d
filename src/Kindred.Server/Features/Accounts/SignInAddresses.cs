using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Kindred.Server.Data;

namespace Kindred.Server.Features.Accounts;

/// <summary>What we know about sign-ins to one account from one address.</summary>
public sealed record SignInAddress
{
    public int Failures { get; init; }
    public DateTimeOffset? LockedUntil { get; init; }
    public DateTimeOffset? LastFailureAt { get; init; }
    public DateTimeOffset? SucceededAt { get; init; }

    /// <summary>The account has signed in from this address before: its owner's usual place.</summary>
    public bool Known => SucceededAt is not null;
}

/// <summary>
/// SQL for <c>sign_in_addresses</c>: wrong passwords and successful sign-ins per account and address. Addresses are
/// stored only as an HMAC (keyed with an instance secret) of <see cref="ClientAddress.Key"/>, so the table cannot be
/// read back into a list of where members were.
/// </summary>
public sealed class SignInAddresses(Database db, InstanceSecrets secrets, TimeProvider time)
{
    public const string SecretName = "sign-in-address-key";
    private const int MaxKnownPerAccount = 10;
    private byte[]? _secret;

    /// <summary>The stored form of <paramref name="address"/> (HMAC-SHA256 of its IPv4 address or IPv6 /64).</summary>
    public async Task<string> KeyOfAsync(IPAddress? address, CancellationToken ct)
    {
        _secret ??= await secrets.GetOrCreateAsync(SecretName, 32, ct);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(ClientAddress.Key(address))))[..32];
    }

    private const string Select = """
        SELECT failures, locked_until, last_failure_at, succeeded_at FROM sign_in_addresses WHERE user_id = @userId AND address_key = @key
        """;

    public async Task<SignInAddress?> GetAsync(Guid userId, string key, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<SignInAddress>(Select, new { userId, key });
    }

    private const string UpsertFailure = """
        INSERT INTO sign_in_addresses (user_id, address_key, failures, locked_until, last_failure_at)
        VALUES (@userId, @key, @failures, @lockedUntil, @now)
        ON CONFLICT (user_id, address_key) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
            last_failure_at = excluded.last_failure_at
        """;

    private const string PruneStrangers = """
        DELETE FROM sign_in_addresses WHERE user_id = @userId AND succeeded_at IS NULL AND last_failure_at < @dayAgo
        """;

    /// <summary>
    /// Counts a wrong password from this address; at <paramref name="max"/> within <paramref name="lockout"/> the address
    /// is paused for this account for <paramref name="lockout"/>. Returns the new count and the pause, if any.
    /// </summary>
    public async Task<(int Failures, DateTimeOffset? LockedUntil)> RecordFailureAsync(Guid userId, string key, SignInAddress? before, int max, TimeSpan lockout, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var fresh = before is null || before.LastFailureAt is null || before.LastFailureAt < now - lockout || (before.LockedUntil is { } l && l <= now);
        var failures = fresh ? 1 : before!.Failures + 1;
        DateTimeOffset? lockedUntil = failures >= max ? now + lockout : null;
        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(UpsertFailure, new { userId, key, failures, lockedUntil, now }, tx);
            await c.ExecuteAsync(PruneStrangers, new { userId, dayAgo = now.AddDays(-1) }, tx);
        }, ct);
        return (failures, lockedUntil);
    }

    private const string UpsertSuccess = """
        INSERT INTO sign_in_addresses (user_id, address_key, failures, succeeded_at) VALUES (@userId, @key, 0, @now)
        ON CONFLICT (user_id, address_key) DO UPDATE SET failures = 0, locked_until = NULL, succeeded_at = excluded.succeeded_at
        """;

    private const string KeepRecentKnown = """
        DELETE FROM sign_in_addresses WHERE user_id = @userId AND succeeded_at IS NOT NULL AND address_key NOT IN
            (SELECT address_key FROM sign_in_addresses WHERE user_id = @userId AND succeeded_at IS NOT NULL ORDER BY succeeded_at DESC LIMIT @keep)
        """;

    /// <summary>Remembers this address as one the account's owner signs in from (at most the 10 most recent are kept).</summary>
    public async Task RecordSuccessAsync(Guid userId, string key, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(UpsertSuccess, new { userId, key, now }, tx);
            await c.ExecuteAsync(KeepRecentKnown, new { userId, keep = MaxKnownPerAccount }, tx);
        }, ct);
    }
}
