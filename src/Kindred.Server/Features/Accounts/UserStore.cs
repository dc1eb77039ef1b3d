using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Features.Accounts;

/// <summary>SQL for the <c>users</c> table (and the shared name space in <c>handles</c>).</summary>
public sealed class UserStore(Database db, TimeProvider time)
{
    private const string Columns = """
        id, username, email, display_name, password_hash, role, status, security_stamp, created_at,
        guidelines_version, guidelines_accepted_at, consent_version, consent_given_at, age_confirmed_at,
        registration_reason, failed_sign_ins, locked_until, last_sign_in_at, time_zone, last_failed_sign_in_at
        """;

    private static readonly string ByUsername = $"SELECT {Columns} FROM users WHERE username_normalized = @name";

    public async Task<User?> FindByUsernameAsync(string username, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<User>(ByUsername, new { name = AccountRules.Normalize(username) });
    }

    private static readonly string ById = $"SELECT {Columns} FROM users WHERE id = @id";

    public async Task<User?> FindByIdAsync(Guid id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<User>(ById, new { id });
    }

    private const string EmailTaken = "SELECT COUNT(*) FROM users WHERE email_normalized = @email";

    /// <summary>Which of username/e-mail are already in use (case-insensitively), as field errors.</summary>
    public static async Task<Dictionary<string, string>> FindConflictsAsync(DbConnection c, DbTransaction? tx, string username, string email)
    {
        var errors = new Dictionary<string, string>();
        if (await Handles.IsTakenAsync(c, tx, AccountRules.Normalize(username)))
        {
            errors["username"] = "That username is taken. Please choose another.";
        }

        if (await c.ExecuteScalarAsync<long>(EmailTaken, new { email = AccountRules.Normalize(email) }, tx) > 0)
        {
            errors["email"] = "An account with that e-mail address already exists.";
        }

        return errors;
    }


    private const string InsertUser = """
        INSERT INTO users (id, username, username_normalized, email, email_normalized, display_name, password_hash,
            role, status, security_stamp, created_at, guidelines_version, guidelines_accepted_at, consent_version,
            consent_given_at, age_confirmed_at, registration_reason, invite_id)
        VALUES (@Id, @Username, @UsernameNormalized, @Email, @EmailNormalized, @DisplayName, @PasswordHash,
            @Role, @Status, @SecurityStamp, @CreatedAt, @GuidelinesVersion, @GuidelinesAcceptedAt, @ConsentVersion,
            @ConsentGivenAt, @AgeConfirmedAt, @RegistrationReason, @InviteId)
        """;

    private const string ForgetDeclined = "DELETE FROM declined_registrations WHERE username_normalized = @name";

    public static async Task InsertAsync(DbConnection c, DbTransaction tx, User user, Guid? inviteId)
    {
        await Handles.ReserveAsync(c, tx, AccountRules.Normalize(user.Username), "user", user.Id);
        // The name is someone's again: a sign-in with it no longer says "declined".
        await c.ExecuteAsync(ForgetDeclined, new { name = AccountRules.Normalize(user.Username) }, tx);
        await c.ExecuteAsync(InsertUser, new
        {
            user.Id,
            user.Username,
            UsernameNormalized = AccountRules.Normalize(user.Username),
            user.Email,
            EmailNormalized = AccountRules.Normalize(user.Email),
            user.DisplayName,
            user.PasswordHash,
            user.Role,
            user.Status,
            user.SecurityStamp,
            user.CreatedAt,
            user.GuidelinesVersion,
            user.GuidelinesAcceptedAt,
            user.ConsentVersion,
            user.ConsentGivenAt,
            user.AgeConfirmedAt,
            user.RegistrationReason,
            InviteId = inviteId,
        }, tx);
    }

    // The count restarts when the previous failure is older than @since (the lockout period): failures spread over
    // months are not an attack.
    private const string FailedSignIn = """
        UPDATE users SET
            failed_sign_ins = CASE WHEN last_failed_sign_in_at IS NULL OR last_failed_sign_in_at < @since THEN 1 ELSE failed_sign_ins + 1 END,
            locked_until = CASE WHEN (CASE WHEN last_failed_sign_in_at IS NULL OR last_failed_sign_in_at < @since THEN 1 ELSE failed_sign_ins + 1 END) >= @max
                THEN @lockUntil ELSE locked_until END,
            last_failed_sign_in_at = @now
        WHERE id = @id
        RETURNING failed_sign_ins
        """;

    /// <summary>
    /// Counts a wrong password against the whole account; at <paramref name="maxFailures"/> within the lockout period the
    /// account is paused (for addresses it never signed in from) until <paramref name="lockUntil"/>. Returns the count.
    /// </summary>
    public async Task<int> RecordFailedSignInAsync(Guid id, int maxFailures, DateTimeOffset lockUntil, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        return await db.InTransactionAsync(async (c, tx) => await c.ExecuteScalarAsync<int>(FailedSignIn,
            new { id, max = maxFailures, lockUntil, now, since = now - (lockUntil - now) }, tx), ct);
    }

    private const string SignedIn = """
        UPDATE users SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = @at,
            password_hash = COALESCE(@newHash, password_hash)
        WHERE id = @id
        """;

    public async Task RecordSignInAsync(Guid id, string? newHash, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(SignedIn, new { id, at = time.GetUtcNow(), newHash });
    }

    /// <summary>Sets a new password and a new security stamp, which signs the account out everywhere else.</summary>
    private const string SetPassword = """
        UPDATE users SET password_hash = @hash, security_stamp = @stamp, failed_sign_ins = 0, locked_until = NULL
        WHERE id = @id
        """;

    public async Task<string> SetPasswordAsync(Guid id, string hash, CancellationToken ct = default)
    {
        var stamp = NewSecurityStamp();
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(SetPassword, new { id, hash, stamp });
        return stamp;
    }

    private const string SetEmail = "UPDATE users SET email = @email, email_normalized = @normalized WHERE id = @id";

    /// <summary>Changes the e-mail address; false when another account already uses it.</summary>
    public async Task<bool> SetEmailAsync(Guid id, string email, CancellationToken ct = default)
    {
        try
        {
            await using var c = await db.OpenAsync(ct);
            await c.ExecuteAsync(SetEmail, new { id, email = email.Trim(), normalized = AccountRules.Normalize(email) });
            return true;
        }
        catch (DbException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    private static readonly string Pending = $"SELECT {Columns} FROM users WHERE status = 'pending' ORDER BY created_at LIMIT 200";

    public async Task<IReadOnlyList<User>> ListPendingAsync(CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<User>(Pending)).ToList();
    }

    private const string Approve = "UPDATE users SET status = 'active' WHERE id = @id AND status = 'pending'";

    public async Task<bool> ApproveAsync(Guid id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteAsync(Approve, new { id }) == 1;
    }

    private const string DeletePendingHandle = "DELETE FROM handles WHERE owner_id = @id AND kind = 'user' AND EXISTS (SELECT 1 FROM users WHERE id = @id AND status = 'pending')";
    private const string DeletePending = "DELETE FROM users WHERE id = @id AND status = 'pending'";

    private const string RememberDeclined = """
        INSERT INTO declined_registrations (username_normalized, password_hash, declined_at)
        SELECT username_normalized, password_hash, @at FROM users WHERE id = @id AND status = 'pending'
        ON CONFLICT (username_normalized) DO UPDATE SET password_hash = excluded.password_hash, declined_at = excluded.declined_at
        """;

    private const string ForgetOldDeclined = "DELETE FROM declined_registrations WHERE declined_at < @cutoff";

    /// <summary>How long a declined applicant is told so when they sign in.</summary>
    public static readonly TimeSpan DeclinedKeptFor = TimeSpan.FromDays(30);

    /// <summary>
    /// Declines a pending registration. The record is deleted rather than kept (data minimisation: we hold no
    /// health-related data about people who never became members), which also frees the name. Only the name and the
    /// password hash stay, for <see cref="DeclinedKeptFor"/>, so that the applicant (and only someone with their
    /// password) is told that the registration was declined.
    /// </summary>
    public async Task<bool> DeclineAsync(Guid id, CancellationToken ct = default)
    {
        var at = time.GetUtcNow();
        return await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(ForgetOldDeclined, new { cutoff = at - DeclinedKeptFor }, tx);
            await c.ExecuteAsync(RememberDeclined, new { id, at }, tx);
            await c.ExecuteAsync(DeletePendingHandle, new { id }, tx);
            return await c.ExecuteAsync(DeletePending, new { id }, tx) == 1;
        }, ct);
    }

    private const string DeclinedHash = "SELECT password_hash FROM declined_registrations WHERE username_normalized = @name AND declined_at > @cutoff";

    /// <summary>The password hash of a recently declined registration with this name, or null.</summary>
    public async Task<string?> FindDeclinedAsync(string username, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<string?>(DeclinedHash, new { name = AccountRules.Normalize(username), cutoff = time.GetUtcNow() - DeclinedKeptFor });
    }

    private const string SetZone = "UPDATE users SET time_zone = @zone WHERE id = @id";

    /// <summary>The time zone pages show this member (an IANA name), or null for the instance's.</summary>
    public async Task SetTimeZoneAsync(Guid id, string? zone, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(SetZone, new { id, zone });
    }

    private const string SetRole = "UPDATE users SET role = @role, status = 'active' WHERE id = @id";

    public async Task SetRoleAsync(Guid id, string role, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(SetRole, new { id, role });
    }

    private const string OtherActiveAdmins = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active' AND id <> @id";
    private const string ChangeRole = "UPDATE users SET role = @role, security_stamp = @stamp WHERE id = @id";

    /// <summary>
    /// The operator's role change: refuses to take the role of the last active admin (nobody could administer the
    /// instance), and signs the account out everywhere so the new role takes effect at its next sign-in.
    /// </summary>
    public async Task<bool> ChangeRoleAsync(Guid id, string role, CancellationToken ct = default) =>
        await db.InTransactionAsync(async (c, tx) =>
        {
            if (role != Roles.Admin && await c.ExecuteScalarAsync<long>(OtherActiveAdmins, new { id }, tx) == 0 &&
                await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE id = @id AND role = 'admin'", new { id }, tx) == 1)
            {
                return false;
            }

            await c.ExecuteAsync(ChangeRole, new { id, role, stamp = NewSecurityStamp() }, tx);
            return true;
        }, ct);

    /// <summary>An account as the operator's list shows it.</summary>
    public sealed record AccountSummary(Guid Id, string Username, string Email, string Role, string Status, DateTimeOffset CreatedAt, DateTimeOffset? LastSignInAt);

    private const string ListAccounts = """
        SELECT id, username, email, role, status, created_at, last_sign_in_at FROM users
        WHERE (@search IS NULL OR username_normalized LIKE @search ESCAPE '\' OR email_normalized LIKE @search ESCAPE '\')
          AND (@role IS NULL OR role = @role) AND (@status IS NULL OR status = @status)
        ORDER BY username_normalized LIMIT @limit
        """;

    /// <summary>Accounts for the operator, by username; <paramref name="search"/> matches part of a username or address.</summary>
    public async Task<IReadOnlyList<AccountSummary>> ListAsync(string? search, string? role, string? status, int limit, CancellationToken ct = default)
    {
        var pattern = string.IsNullOrWhiteSpace(search)
            ? null
            : "%" + Suspensions.Like(search.Trim().ToLowerInvariant()) + "%";
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<AccountSummary>(new CommandDefinition(ListAccounts, new { search = pattern, role, status, limit }, cancellationToken: ct))).ToList();
    }

    public static string NewSecurityStamp() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}
