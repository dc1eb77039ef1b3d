using System.Data.Common;
using Dapper;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.TestRig;

/// <summary>Waits for background work (the inbox worker) to reach a state, through <see cref="Eventually"/>.</summary>
public static class Waiting
{
    /// <summary>Until <paramref name="countSql"/> counts at least one row; on failure, shows the inbox queue.</summary>
    public static Task ForRowAsync(DbConnection c, string countSql, object args) =>
        Eventually.UntilAsync(countSql, async () => await c.ExecuteScalarAsync<long>(countSql, args) > 0, async () =>
        {
            var rows = await c.QueryAsync<(string, string, long, string?)>("SELECT activity_type, status, attempts, last_error FROM inbox_activities");
            return "Inbox rows:\n" + string.Join("\n", rows);
        });
}
