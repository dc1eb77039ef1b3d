using System.Data.Common;
using Dapper;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.TestRig;

/// <summary>Waits for background work (the inbox worker) to reach a state; fails with the query after 10 s.</summary>
public static class Waiting
{
    public static async Task ForRowAsync(DbConnection c, string countSql, object args)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await c.ExecuteScalarAsync<long>(countSql, args) > 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        var rows = await c.QueryAsync<(string, string, long, string?)>("SELECT activity_type, status, attempts, last_error FROM inbox_activities");
        Assert.Fail("Timed out waiting for: " + countSql + "\nInbox rows:\n" + string.Join("\n", rows));
    }
}
