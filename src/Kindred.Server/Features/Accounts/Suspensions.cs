using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Moderation;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>A local account as the admins' account list shows it.</summary>
public sealed record AccountRow
{
    public Guid Id { get; init; }
    public string Username { get; init; } = "";
    public string Role { get; init; } = Roles.Member;
    public string Status { get; init; } = AccountStatus.Active;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? LastSignInAt { get; init; }
    public string? SuspendedReason { get; init; }
    public DateTimeOffset? SuspendedUntil { get; init; }
}

/// <summary>
/// Admins suspend and unsuspend local accounts, with a reason and an optional end. A suspended account cannot sign in and
/// every session and token it has ends at once (the status is checked on every request); an expired suspension is lifted
/// when the person next signs in. Every decision is recorded in the moderation log.
/// </summary>
public sealed class Suspensions(Database db, ModerationLog log, TimeProvider time)
{
    public const int MaxReasonLength = 1000;

    private const string Find = """
        SELECT id, username, role, status, created_at, last_sign_in_at, suspended_reason, suspended_until FROM users WHERE id = @id
        """;

    public async Task<AccountRow?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<AccountRow>(Find, new { id });
    }

    private const string Suspend = """
        UPDATE users SET status = 'suspended', suspended_reason = @reason, suspended_until = @until, security_stamp = @stamp
        WHERE id = @id AND status IN ('active', 'suspended')
        """;

    public async Task<Outcome<AccountRow>> SuspendAsync(Guid id, Guid admin, string? reason, DateTimeOffset? until, CancellationToken ct = default)
    {
        var text = (reason ?? "").Trim();
        if (text.Length == 0)
        {
            return Outcome<AccountRow>.Invalid("reason", "Say why: the reason is kept in the moderation log.");
        }

        if (text.Length > MaxReasonLength)
        {
            return Outcome<AccountRow>.Invalid("reason", $"Keep the reason to {MaxReasonLength:N0} characters or fewer.");
        }

        if (until is { } end && end <= time.GetUtcNow())
        {
            return Outcome<AccountRow>.Invalid("expiresAt", "The end of a suspension must be in the future (or left out: until lifted).");
        }

        if (id == admin)
        {
            return Outcome<AccountRow>.Invalid("id", "You cannot suspend yourself.");
        }

        if (await FindAsync(id, ct) is not { } account)
        {
            return Outcome<AccountRow>.NotFound();
        }

        if (account.Status == AccountStatus.Pending)
        {
            return Outcome<AccountRow>.Conflict("This registration is still waiting for approval; decline it instead.");
        }

        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(Suspend, new { id, reason = text, until, stamp = Guid.NewGuid().ToString("N") }, tx);
            await log.RecordAsync(c, tx, new ModerationEntry
            {
                ModeratorId = admin == Guid.Empty ? null : admin, ModeratorName = admin == Guid.Empty ? "operator (CLI)" : null,
                Action = ModerationActions.AccountSuspended, TargetKind = ModerationTargets.Account,
                TargetId = id.ToString(), TargetLabel = account.Username, Reason = text, ExpiresAt = until,
            });
        }, ct);
        return Outcome<AccountRow>.Success((await FindAsync(id, ct))!);
    }

    private const string Lift = """
        UPDATE users SET status = 'active', suspended_reason = NULL, suspended_until = NULL WHERE id = @id AND status = 'suspended'
        """;

    public async Task<Outcome<AccountRow>> UnsuspendAsync(Guid id, Guid admin, CancellationToken ct = default)
    {
        if (await FindAsync(id, ct) is not { } account)
        {
            return Outcome<AccountRow>.NotFound();
        }

        if (account.Status != AccountStatus.Suspended)
        {
            return Outcome<AccountRow>.Conflict("This account is not suspended.");
        }

        await db.InTransactionAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(Lift, new { id }, tx) > 0)
            {
                await log.RecordAsync(c, tx, new ModerationEntry
                {
                    ModeratorId = admin == Guid.Empty ? null : admin, ModeratorName = admin == Guid.Empty ? "operator (CLI)" : null,
                    Action = ModerationActions.AccountUnsuspended, TargetKind = ModerationTargets.Account, TargetId = id.ToString(), TargetLabel = account.Username,
                });
            }
        }, ct);
        return Outcome<AccountRow>.Success((await FindAsync(id, ct))!);
    }

    private const string LiftExpired = """
        UPDATE users SET status = 'active', suspended_reason = NULL, suspended_until = NULL
        WHERE id = @id AND status = 'suspended' AND suspended_until IS NOT NULL AND suspended_until <= @now
        """;

    /// <summary>Lifts the account's suspension if its end has passed (at sign-in); true when it was lifted.</summary>
    public async Task<bool> LiftIfExpiredAsync(Guid id, CancellationToken ct = default) =>
        await db.InTransactionAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(LiftExpired, new { id, now = time.GetUtcNow() }, tx) == 0)
            {
                return false;
            }

            await log.RecordAsync(c, tx, new ModerationEntry
            {
                ModeratorName = "expired", Action = ModerationActions.AccountUnsuspended, TargetKind = ModerationTargets.Account, TargetId = id.ToString(),
                Details = "The suspension ended.",
            });
            return true;
        }, ct);

    private const string ListLocal = """
        SELECT id, username, role, status, created_at, last_sign_in_at, suspended_reason, suspended_until FROM users
        WHERE (@q = '' OR username_normalized LIKE @like ESCAPE '\') AND (@status = '' OR status = @status) AND username_normalized > @after
        ORDER BY username_normalized
        LIMIT @limit
        """;

    /// <summary>Local accounts by name, optionally only those whose name contains <paramref name="q"/> or with a status.</summary>
    public async Task<Page<AccountRow>> ListAsync(string? q, string? status, string? after, int size = 50, CancellationToken ct = default)
    {
        var query = AccountRules.Normalize(q ?? "");
        var like = "%" + Like(query) + "%";
        await using var c = await db.OpenAsync(ct);
        var rows = (await c.QueryAsync<AccountRow>(ListLocal, new { q = query, like, status = status ?? "", after = Cursors.AfterText(after), limit = size + 1 })).ToList();
        return Page<AccountRow>.From(rows, size, a => a.Username.ToLowerInvariant());
    }

    /// <summary>Text for a LIKE pattern with <c>ESCAPE '\'</c>: its wildcards match themselves.</summary>
    public static string Like(string text) =>
        (text ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
