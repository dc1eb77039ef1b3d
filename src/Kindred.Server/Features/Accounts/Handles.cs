using System.Data.Common;
using Dapper;

namespace Kindred.Server.Features.Accounts;

/// <summary>
/// The owner of <c>handles</c>: usernames and group slugs share one name space (both are <c>name@host</c> addresses on
/// the fediverse, and WebFinger must find exactly one actor per name). Accounts and groups reserve their names here.
/// </summary>
public static class Handles
{
    private const string Taken = "SELECT COUNT(*) FROM handles WHERE name_normalized = @name";

    public static async Task<bool> IsTakenAsync(DbConnection c, DbTransaction? tx, string normalizedName) =>
        await c.ExecuteScalarAsync<long>(Taken, new { name = normalizedName }, tx) > 0;

    private const string Insert = "INSERT INTO handles (name_normalized, kind, owner_id) VALUES (@name, @kind, @ownerId)";

    /// <summary>Reserves <paramref name="normalizedName"/> for a <c>user</c> or <c>group</c>; a unique violation means it was just taken.</summary>
    public static Task ReserveAsync(DbConnection c, DbTransaction tx, string normalizedName, string kind, Guid ownerId) =>
        c.ExecuteAsync(Insert, new { name = normalizedName, kind, ownerId }, tx);
}
