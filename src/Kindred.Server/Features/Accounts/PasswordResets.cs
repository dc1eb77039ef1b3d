using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Dapper;
using Kindred.Server.Configuration;
using Kindred.Server.Data;
using Kindred.Server.Features.Mail;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Features.Accounts;

public enum ResetRequestOutcome
{
    /// <summary>The same answer whether or not the address belongs to an account.</summary>
    Accepted,
    InvalidEmail,

    /// <summary>Too many requests from this client address (429).</summary>
    Throttled,
}

public enum ResetConfirmOutcome
{
    Done,

    /// <summary>No such link (mistyped, made up, or replaced by a newer one).</summary>
    Invalid,
    Expired,
    Used,

    /// <summary>The password was changed since the link was sent.</summary>
    Superseded,
    BadPassword,
}

public sealed record ResetConfirmResult(ResetConfirmOutcome Outcome, string? Error = null);

/// <summary>
/// Password reset by e-mail (issue 15). A request for an address that belongs to an active account makes a random
/// 256-bit token, stores only its SHA-256 hash with the account's security stamp and an expiry of one hour (replacing
/// any earlier token), and queues the message in the same transaction. A confirmation with the token sets the new
/// password and a new security stamp in one transaction, which ends every session and API token of the account and
/// invalidates the token; a password changed any other way changes the stamp too, so older links stop working.
/// Requests are limited per e-mail address (quietly: the answer is the same) and per client address (429).
/// </summary>
public sealed class PasswordResets : IDisposable
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly Database _db;
    private readonly Mailer _mailer;
    private readonly PasswordHasher _hasher;
    private readonly TimeProvider _time;
    private readonly IOptions<KindredOptions> _options;
    private readonly ILogger<PasswordResets> _logger;
    private readonly PartitionedRateLimiter<string> _perEmail;
    private readonly PartitionedRateLimiter<string> _perClient;

    public PasswordResets(Database db, Mailer mailer, PasswordHasher hasher, TimeProvider time, IOptions<KindredOptions> options, ILogger<PasswordResets> logger)
    {
        (_db, _mailer, _hasher, _time, _options, _logger) = (db, mailer, hasher, time, options, logger);
        var s = options.Value.Security;
        _perEmail = PerHour(s.PasswordResetsPerAddressPerHour);
        _perClient = PerHour(s.PasswordResetsPerIpPerHour);
    }

    private static PartitionedRateLimiter<string> PerHour(int perHour) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, perHour),
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromHours(1) / Math.Max(1, perHour),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public void Dispose()
    {
        _perEmail.Dispose();
        _perClient.Dispose();
    }

    private const string FindActiveByEmail = "SELECT id, username, email, security_stamp FROM users WHERE email_normalized = @email AND status = 'active'";

    private sealed record Account
    {
        public Guid Id { get; init; }
        public string Username { get; init; } = "";
        public string Email { get; init; } = "";
        public string SecurityStamp { get; init; } = "";
    }

    private const string ForgetOld = "DELETE FROM password_resets WHERE user_id = @userId OR expires_at < @cutoff";

    private const string Insert = """
        INSERT INTO password_resets (id, user_id, token_hash, security_stamp, created_at, expires_at)
        VALUES (@id, @userId, @hash, @stamp, @now, @expires)
        """;

    /// <summary>Asks for a reset link for <paramref name="email"/>; the outcome never says whether an account uses it.</summary>
    public async Task<(ResetRequestOutcome Outcome, string? Error)> RequestAsync(string? email, IPAddress? client, CancellationToken ct = default)
    {
        if (AccountRules.ValidateEmail(email) is { } problem)
        {
            return (ResetRequestOutcome.InvalidEmail, problem);
        }

        using (var lease = _perClient.AttemptAcquire(ClientAddress.Key(client)))
        {
            if (!lease.IsAcquired)
            {
                return (ResetRequestOutcome.Throttled, null);
            }
        }

        var normalized = AccountRules.Normalize(email!);
        using (var lease = _perEmail.AttemptAcquire(normalized))
        {
            if (!lease.IsAcquired)
            {
                _logger.LogInformation("Password reset limit reached for an address; no message sent");
                return (ResetRequestOutcome.Accepted, null);
            }
        }

        var now = _time.GetUtcNow();
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var origin = _options.Value.PublicUrl.TrimEnd('/');
        await _db.InTransactionAsync(async (c, tx) =>
        {
            var account = await c.QuerySingleOrDefaultAsync<Account>(FindActiveByEmail, new { email = normalized }, tx);
            if (account is null)
            {
                return 0;
            }

            await c.ExecuteAsync(ForgetOld, new { userId = account.Id, cutoff = now - TimeSpan.FromDays(1) }, tx);
            await c.ExecuteAsync(Insert, new { id = Ids.New(_time), userId = account.Id, hash = Hash(token), stamp = account.SecurityStamp, now, expires = now + Lifetime }, tx);
            await _mailer.EnqueueAsync(c, tx, new OutgoingMail
            {
                To = account.Email,
                Template = "password-reset",
                Values = new() { ["username"] = account.Username, ["reset_url"] = $"{origin}/password-reset/confirm?token={token}" },
            });
            return 1;
        }, ct);
        return (ResetRequestOutcome.Accepted, null);
    }

    private const string FindToken = """
        SELECT r.id, r.user_id, r.security_stamp AS token_stamp, r.expires_at, r.used_at, u.security_stamp AS account_stamp, u.username, u.status
        FROM password_resets r JOIN users u ON u.id = r.user_id
        WHERE r.token_hash = @hash
        """;

    private sealed record TokenRow
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string TokenStamp { get; init; } = "";
        public DateTimeOffset ExpiresAt { get; init; }
        public DateTimeOffset? UsedAt { get; init; }
        public string AccountStamp { get; init; } = "";
        public string Username { get; init; } = "";
        public string Status { get; init; } = "";
    }

    /// <summary>Whether <paramref name="token"/> can still set a password (to show the form or say why not).</summary>
    public async Task<ResetConfirmOutcome> CheckAsync(string? token, CancellationToken ct = default) =>
        (await FindAsync(token, ct)).Outcome;

    private async Task<(ResetConfirmOutcome Outcome, TokenRow? Row)> FindAsync(string? token, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 100)
        {
            return (ResetConfirmOutcome.Invalid, null);
        }

        await using var c = await _db.OpenAsync(ct);
        var row = await c.QuerySingleOrDefaultAsync<TokenRow>(FindToken, new { hash = Hash(token.Trim()) });
        return row switch
        {
            null => (ResetConfirmOutcome.Invalid, null),
            { UsedAt: not null } => (ResetConfirmOutcome.Used, row),
            _ when row.ExpiresAt <= _time.GetUtcNow() => (ResetConfirmOutcome.Expired, row),
            _ when row.TokenStamp != row.AccountStamp || row.Status != AccountStatus.Active => (ResetConfirmOutcome.Superseded, row),
            _ => (ResetConfirmOutcome.Done, row),
        };
    }

    private const string MarkUsed = "UPDATE password_resets SET used_at = @now WHERE id = @id AND used_at IS NULL AND expires_at > @now";

    private const string SetPassword = """
        UPDATE users SET password_hash = @hash, security_stamp = @newStamp, failed_sign_ins = 0, locked_until = NULL
        WHERE id = @userId AND security_stamp = @oldStamp AND status = 'active'
        """;

    private const string ForgetOthers = "DELETE FROM password_resets WHERE user_id = @userId AND id <> @id";

    /// <summary>Sets <paramref name="password"/> with <paramref name="token"/>; every other session and token of the account ends.</summary>
    public async Task<ResetConfirmResult> ConfirmAsync(string? token, string? password, CancellationToken ct = default)
    {
        var (outcome, row) = await FindAsync(token, ct);
        if (outcome != ResetConfirmOutcome.Done)
        {
            return new ResetConfirmResult(outcome);
        }

        if (AccountRules.ValidatePassword(password, row!.Username) is { } problem)
        {
            return new ResetConfirmResult(ResetConfirmOutcome.BadPassword, problem);
        }

        // Hashed before the transaction: Argon2id takes a while and must not hold the write lock.
        var hash = await _hasher.HashAsync(password!, ct);
        var now = _time.GetUtcNow();
        ResetConfirmOutcome done;
        try
        {
            done = await _db.InTransactionAsync(async (c, tx) =>
            {
                if (await c.ExecuteAsync(MarkUsed, new { id = row.Id, now }, tx) != 1)
                {
                    return ResetConfirmOutcome.Used;
                }

                if (await c.ExecuteAsync(SetPassword, new { hash, newStamp = UserStore.NewSecurityStamp(), userId = row.UserId, oldStamp = row.TokenStamp }, tx) != 1)
                {
                    throw new StaleResetException();
                }

                await c.ExecuteAsync(ForgetOthers, new { userId = row.UserId, id = row.Id }, tx);
                return ResetConfirmOutcome.Done;
            }, ct);
        }
        catch (StaleResetException)
        {
            done = ResetConfirmOutcome.Superseded;
        }

        if (done == ResetConfirmOutcome.Done)
        {
            _logger.LogInformation("Password reset by e-mail link for {UserId}; other sessions and tokens ended", row.UserId);
        }

        return new ResetConfirmResult(done);
    }

    /// <summary>The password changed between the check and the update: roll back and say the link no longer works.</summary>
    private sealed class StaleResetException : Exception;

    /// <summary>SHA-256 of the token, hex: what is stored and looked up (a 256-bit random token needs no slow hash).</summary>
    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
