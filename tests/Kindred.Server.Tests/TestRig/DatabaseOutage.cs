using Npgsql;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// Takes a running test server's database away, as a full disk, a crashed database server or a broken network would:
/// SQLite's database file is replaced by a folder of the same name (so it cannot be opened, nor made anew); PostgreSQL
/// refuses new connections to the database and ends the open ones.
/// Only for servers started for one test (there is no way back).
/// </summary>
public static class DatabaseOutage
{
    public static async Task BreakAsync(KindredTestServer server)
    {
        if (server.Database == DatabaseKind.Sqlite)
        {
            var file = Path.Combine(Path.GetFullPath(server.Settings["Kindred:DataDirectory"]!), "kindred.db");
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var path in new[] { file, file + "-wal", file + "-shm", file + "-journal" })
            {
                File.Delete(path);
            }

            Directory.CreateDirectory(file);
            return;
        }

        var builder = new NpgsqlConnectionStringBuilder(server.Settings["Kindred:Database:ConnectionString"]);
        var name = builder.Database!;
        builder.Database = "postgres";
        builder.Pooling = false;
        await using var connection = new NpgsqlConnection(builder.ToString());
        await connection.OpenAsync();
        await using (var refuse = new NpgsqlCommand($"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false", connection))
        {
            await refuse.ExecuteNonQueryAsync();
        }

        await using var end = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = @name", connection);
        end.Parameters.AddWithValue("name", name);
        await end.ExecuteNonQueryAsync();
    }
}
