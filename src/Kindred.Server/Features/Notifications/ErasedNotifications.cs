using System.Data.Common;
using Dapper;

namespace Kindred.Server.Features.Notifications;

/// <summary>The notifications side of an erasure (issue 14): the member's own notifications go.</summary>
public static class ErasedNotifications
{
    private const string DeleteAll = "DELETE FROM notifications WHERE user_id = @userId";

    // Other people's notifications about them then say "A former member".
    private const string Unname = "UPDATE notifications SET actor_id = NULL WHERE actor_id = @userId";

    public static async Task DeleteAllAsync(DbConnection c, DbTransaction tx, Guid userId)
    {
        await c.ExecuteAsync(DeleteAll, new { userId }, tx);
        await c.ExecuteAsync(Unname, new { userId }, tx);
    }
}
