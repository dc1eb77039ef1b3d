using System.Data.Common;
using Dapper;

namespace Kindred.Server.Features.Accounts;

/// <summary>
/// The <c>users</c> side of an erasure (issue 14): the row stays so the name stays reserved (nobody can take over the
/// member's address), everything personal is cleared, the password can never match and every session ends.
/// </summary>
public static class ErasedAccounts
{
    private const string Scrub = """
        UPDATE users SET email = @email, email_normalized = @email, display_name = NULL, password_hash = '!erased',
            security_stamp = @stamp, registration_reason = NULL, time_zone = NULL, last_sign_in_at = NULL,
            failed_sign_ins = 0, locked_until = NULL, last_failed_sign_in_at = NULL, erased_at = COALESCE(erased_at, @at)
        WHERE id = @id
        """;

    public static Task ScrubAsync(DbConnection c, DbTransaction tx, Guid id, DateTimeOffset at) =>
        c.ExecuteAsync(Scrub, new { id, email = $"erased-{id:N}@erased.invalid", stamp = UserStore.NewSecurityStamp(), at }, tx);

    private const string EndSessions = "UPDATE users SET security_stamp = @stamp WHERE id = @id";

    /// <summary>Signs the account out everywhere (a new security stamp): asking for erasure ends every session and token.</summary>
    public static Task EndSessionsAsync(DbConnection c, DbTransaction tx, Guid id) =>
        c.ExecuteAsync(EndSessions, new { id, stamp = UserStore.NewSecurityStamp() }, tx);

    private const string IsErased = "SELECT erased_at FROM users WHERE id = @id";

    public static async Task<bool> IsErasedAsync(DbConnection c, DbTransaction? tx, Guid id) =>
        await c.QuerySingleOrDefaultAsync<DateTimeOffset?>(IsErased, new { id }, tx) is not null;
}
