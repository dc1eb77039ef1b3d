using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Admin;

/// <summary>An invite code. Rows are read into init-only properties (not positional records): SQLite returns
/// 64-bit integers and text where PostgreSQL returns int, uuid and timestamptz, and Dapper converts properties, not constructor arguments.</summary>
public sealed record Invite
{
    public Guid Id { get; init; }
    public string Code { get; init; } = "";
    public Guid CreatedBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public int MaxUses { get; init; }
    public int Uses { get; init; }
    public string? Note { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }

    public bool IsUsable(DateTimeOffset now) => RevokedAt is null && Uses < MaxUses && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>Invite codes that admins hand out when registration is by invitation.</summary>
public sealed class Invites(Database db, TimeProvider time)
{
    // Without look-alike characters (0/O, 1/l/I), so a code read over the phone still works.
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private const string Insert = """
        INSERT INTO invites (id, code, created_by, created_at, expires_at, max_uses, uses, note)
        VALUES (@Id, @Code, @CreatedBy, @CreatedAt, @ExpiresAt, @MaxUses, 0, @Note)
        """;

    public async Task<Invite> CreateAsync(Guid adminId, int maxUses, int? validDays, string? note, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var invite = new Invite
        {
            Id = Ids.New(time),
            Code = NewCode(),
            CreatedBy = adminId,
            CreatedAt = now,
            ExpiresAt = validDays is > 0 ? now.AddDays(validDays.Value) : null,
            MaxUses = Math.Clamp(maxUses, 1, 1000),
            Note = string.IsNullOrWhiteSpace(note) ? null : note.Trim(),
        };
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(Insert, invite);
        return invite;
    }

    private const string List = """
        SELECT id, code, created_by, created_at, expires_at, max_uses, uses, note, revoked_at
        FROM invites ORDER BY created_at DESC LIMIT 200
        """;

    public async Task<IReadOnlyList<Invite>> ListAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<Invite>(List)).ToList();
    }

    private const string Revoke = "UPDATE invites SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL";

    public async Task<bool> RevokeAsync(Guid id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteAsync(Revoke, new { id, at = time.GetUtcNow() }) == 1;
    }

    // One statement checks and counts the use, so two people cannot both take the last use of a code.
    private const string Redeem = """
        UPDATE invites SET uses = uses + 1
        WHERE code = @code AND revoked_at IS NULL AND uses < max_uses AND (expires_at IS NULL OR expires_at > @now)
        RETURNING id
        """;

    /// <summary>Uses one use of <paramref name="code"/> inside the caller's transaction; null when the code is unknown, used up, expired or revoked.</summary>
    public async Task<Guid?> RedeemAsync(DbConnection c, DbTransaction tx, string code)
    {
        var normalized = code.Trim().ToUpperInvariant().Replace("-", "", StringComparison.Ordinal);
        return await c.QuerySingleOrDefaultAsync<Guid?>(Redeem, new { code = normalized, now = time.GetUtcNow() }, tx);
    }

    private static string NewCode() =>
        string.Create(12, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
}
