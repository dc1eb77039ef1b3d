using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Kindred.Server.Configuration;
using Kindred.Server.Data;
using Kindred.Server.Features.Mail;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Features.Accounts;

public enum EmailChangeOutcome
{
    /// <summary>The link was sent to the new address; the account keeps its old address until it is confirmed.</summary>
    ConfirmationSent,
    Changed,
    Taken,

    /// <summary>The link is unknown, replaced, expired or cancelled by a password change.</summary>
    Invalid,
}

/// <summary>
/// A changed e-mail address is only used once confirmed (issue 15): the new address is kept in <c>email_changes</c>
/// with the hash of a random token sent to it; following the link (a button, so mail scanners that open links change
/// nothing) sets it on the account and tells the old address. Links last a day, one per account (a newer request
/// replaces it), and a password change cancels them. With <c>Kindred:Mail:ConfirmChangedAddress=false</c> the address
/// changes at once, as before.
/// </summary>
public sealed class EmailChanges(Database db, Mailer mailer, TimeProvider time, IOptions<KindredOptions> options)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    private const string Taken = "SELECT COUNT(*) FROM users WHERE email_normalized = @email AND id <> @userId";
    private const string ForgetOld = "DELETE FROM email_changes WHERE user_id = @userId OR expires_at < @now";
    private const string Insert = """
        INSERT INTO email_changes (id, user_id, new_email, token_hash, security_stamp, created_at, expires_at)
        VALUES (@id, @userId, @email, @hash, @stamp, @now, @expires)
        """;
    private const string SetEmail = "UPDATE users SET email = @email, email_normalized = @normalized WHERE id = @userId";

    /// <summary>Asks to change <paramref name="user"/>'s address to <paramref name="email"/> (already validated).</summary>
    public async Task<EmailChangeOutcome> RequestAsync(User user, string email, CancellationToken ct = default)
    {
        email = email.Trim();
        var normalized = AccountRules.Normalize(email);
        var now = time.GetUtcNow();
        var confirm = options.Value.Mail.ConfirmChangedAddress;
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        try
        {
            return await db.InTransactionAsync(async (c, tx) =>
            {
                if (await c.ExecuteScalarAsync<long>(Taken, new { email = normalized, userId = user.Id }, tx) > 0)
                {
                    return EmailChangeOutcome.Taken;
                }

                await c.ExecuteAsync(ForgetOld, new { userId = user.Id, now }, tx);
                if (!confirm)
                {
                    await c.ExecuteAsync(SetEmail, new { email, normalized, userId = user.Id }, tx);
                    return EmailChangeOutcome.Changed;
                }

                await c.ExecuteAsync(Insert, new { id = Ids.New(time), userId = user.Id, email, hash = Hash(token), stamp = user.SecurityStamp, now, expires = now + Lifetime }, tx);
                await mailer.EnqueueAsync(c, tx, new OutgoingMail
                {
                    To = email,
                    Template = "email-confirm",
                    Values = new() { ["username"] = user.Username, ["confirm_url"] = $"{options.Value.PublicUrl.TrimEnd('/')}/account/email/confirm?token={token}" },
                });
                return EmailChangeOutcome.ConfirmationSent;
            }, ct);
        }
        catch (DbException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            return EmailChangeOutcome.Taken;
        }
    }

    private const string Find = """
        SELECT e.id, e.user_id, e.new_email, u.email AS old_email, u.username
        FROM email_changes e JOIN users u ON u.id = e.user_id
        WHERE e.token_hash = @hash AND e.expires_at > @now AND e.security_stamp = u.security_stamp AND u.status = 'active'
        """;

    private sealed record Pending
    {
        public Guid Id { get; init; }
        public Guid UserId { get; init; }
        public string NewEmail { get; init; } = "";
        public string OldEmail { get; init; } = "";
        public string Username { get; init; } = "";
    }

    /// <summary>Whether <paramref name="token"/> is a link that can still confirm an address (to show the button or say why not).</summary>
    public async Task<bool> IsValidAsync(string? token, CancellationToken ct = default)
    {
        if (!Plausible(token))
        {
            return false;
        }

        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<Pending>(Find, new { hash = Hash(token!.Trim()), now = time.GetUtcNow() }) is not null;
    }

    private const string Remove = "DELETE FROM email_changes WHERE id = @id";

    /// <summary>Confirms the new address: the account uses it from now on and the old address is told.</summary>
    public async Task<EmailChangeOutcome> ConfirmAsync(string? token, CancellationToken ct = default)
    {
        if (!Plausible(token))
        {
            return EmailChangeOutcome.Invalid;
        }

        var now = time.GetUtcNow();
        try
        {
            return await db.InTransactionAsync(async (c, tx) =>
            {
                var pending = await c.QuerySingleOrDefaultAsync<Pending>(Find, new { hash = Hash(token!.Trim()), now }, tx);
                if (pending is null)
                {
                    return EmailChangeOutcome.Invalid;
                }

                await c.ExecuteAsync(Remove, new { id = pending.Id }, tx);
                var normalized = AccountRules.Normalize(pending.NewEmail);
                if (await c.ExecuteScalarAsync<long>(Taken, new { email = normalized, userId = pending.UserId }, tx) > 0)
                {
                    return EmailChangeOutcome.Taken;
                }

                await c.ExecuteAsync(SetEmail, new { email = pending.NewEmail, normalized, userId = pending.UserId }, tx);
                await mailer.EnqueueAsync(c, tx, new OutgoingMail
                {
                    To = pending.OldEmail,
                    Template = "email-changed",
                    Values = new() { ["username"] = pending.Username, ["new_email"] = Mask(pending.NewEmail) },
                });
                return EmailChangeOutcome.Changed;
            }, ct);
        }
        catch (DbException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            return EmailChangeOutcome.Taken;
        }
    }

    /// <summary>a***@example.org: enough for the owner to recognise, not a new address handed to whoever reads the old mailbox.</summary>
    public static string Mask(string email)
    {
        var at = email.LastIndexOf('@');
        return at <= 0 ? "***" : email[0] + "***" + email[at..];
    }

    private static bool Plausible(string? token) => !string.IsNullOrWhiteSpace(token) && token.Length <= 100;

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
