using System.Data.Common;
using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;

namespace Kindred.Server.Data;

/// <summary>
/// Applies numbered plain-SQL migrations (<c>Data/Migrations/{sqlite,postgres}/NNNN_name.sql</c>) in order, each in
/// its own transaction, recording them in <c>schema_migrations</c>. Safe to run from several nodes at once on
/// PostgreSQL (advisory lock) and SQLite (the write lock).
/// </summary>
public sealed partial class Migrator(Database db, TimeProvider time, ILogger<Migrator> logger)
{
    // Any constant works; it only has to be the same on every node.
    private const long PostgresLockKey = 0x4B696E6472656401;

    public sealed record Migration(int Version, string Name, string Sql);

    public static IReadOnlyList<Migration> Available(Dialect dialect)
    {
        var folder = dialect == Dialect.Sqlite ? "sqlite" : "postgres";
        var assembly = typeof(Migrator).Assembly;
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceName().Match(resource);
            if (!match.Success || match.Groups["dialect"].Value != folder)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i].Version == list[i - 1].Version)
            {
                throw new InvalidOperationException($"Two {folder} migrations share number {list[i].Version}.");
            }
        }

        return list;
    }

    /// <summary>Applies what is missing; returns the migrations applied now.</summary>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken ct = default)
    {
        var available = Available(db.Dialect);
        await using var connection = await db.OpenAsync(ct);
        if (db.Dialect == Dialect.Postgres)
        {
            await connection.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = PostgresLockKey });
        }
        else
        {
            // WAL lets readers carry on while one writer writes; the setting is stored in the database file.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
        }

        try
        {
            await connection.ExecuteAsync(CreateTable);
            var applied = (await connection.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet();
            RefuseNewerSchema(applied, available);
            var done = new List<Migration>();
            foreach (var migration in available.Where(m => !applied.Contains(m.Version)))
            {
                await using var tx = await connection.BeginTransactionAsync(ct);
                await connection.ExecuteAsync(migration.Sql, transaction: tx);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @At)",
                    new { migration.Version, migration.Name, At = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture) }, tx);
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
                done.Add(migration);
            }

            return done;
        }
        finally
        {
            if (db.Dialect == Dialect.Postgres)
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = PostgresLockKey });
            }
        }
    }

    /// <summary>
    /// For everything but <c>admin migrate</c> and a server allowed to migrate at start: the schema must be exactly what this
    /// build knows. Behind: "run admin migrate"; ahead (a newer Kindred ran here): refuse, never guess.
    /// </summary>
    public async Task EnsureCurrentAsync(CancellationToken ct = default)
    {
        var available = Available(db.Dialect);
        await using var connection = await db.OpenAsync(ct);
        var applied = await AppliedAsync(connection);
        RefuseNewerSchema(applied, available);
        var pending = available.Select(m => m.Version).Except(applied).ToList();
        if (pending.Count > 0)
        {
            throw new Hosting.StartupException(
                $"Kindred cannot start: the database needs {pending.Count} migration(s) this version brings ({string.Join(", ", pending)}). " +
                "Back up, then run 'admin migrate' (or let the server migrate at start: Kindred__Database__MigrateOnStart=true).");
        }
    }

    private static void RefuseNewerSchema(IReadOnlyCollection<int> applied, IReadOnlyList<Migration> available)
    {
        var known = available.Count == 0 ? 0 : available[^1].Version;
        if (applied.Count > 0 && applied.Max() > known)
        {
            throw new Hosting.StartupException(
                $"Kindred cannot start: the database's schema is version {applied.Max()}, newer than this version of Kindred knows ({known}). " +
                "A newer Kindred has upgraded it: run that version, or restore the backup taken before the upgrade (admin guide, \"Upgrading\").");
        }
    }

    private static async Task<IReadOnlyCollection<int>> AppliedAsync(DbConnection connection)
    {
        try
        {
            return (await connection.QueryAsync<int>("SELECT version FROM schema_migrations")).ToList();
        }
        catch (DbException)
        {
            return [];
        }
    }

    /// <summary>Versions known to this build but not applied to the database (empty when current).</summary>
    public async Task<IReadOnlyList<int>> PendingAsync(DbConnection connection)
    {
        var available = Available(db.Dialect).Select(m => m.Version);
        IEnumerable<int> applied;
        try
        {
            applied = await connection.QueryAsync<int>("SELECT version FROM schema_migrations");
        }
        catch (DbException)
        {
            applied = [];
        }

        return available.Except(applied).ToList();
    }

    private const string CreateTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at TEXT NOT NULL
        );
        """;

    [GeneratedRegex(@"^migrations/(?<dialect>sqlite|postgres)/(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex ResourceName();
}
