using Kindred.Server.Configuration;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;

namespace Kindred.Server.Data;

/// <summary>
/// Applies numbered plain-SQL migrations (<c>Data/Migrations/{sqlite,postgres}/NNNN_name.sql</c>) in order, each in
/// its own transaction, recording them in <c>schema_migrations</c>. Safe to run from several nodes at once on
/// PostgreSQL (advisory lock) and SQLite (the write lock).
/// </summary>
/// <remarks>
/// SQLite cannot change a CHECK constraint or a column's type in place: the table has to be rebuilt (create the new
/// table, copy, drop the old one, rename; https://www.sqlite.org/lang_altertable.html#otheralter). With foreign keys
/// on, dropping a table that others reference deletes the referencing rows first (ON DELETE CASCADE) or fails, so a
/// SQLite file that rebuilds such a table starts with <see cref="ForeignKeysOffMarker"/> as its first line and runs
/// with foreign keys off, checked before it commits (<see cref="ApplyWithForeignKeysOffAsync"/>). A SQLite file
/// without the marker that drops a referenced table is refused before it runs. PostgreSQL changes constraints with
/// <c>ALTER TABLE ... DROP/ADD CONSTRAINT</c> and ignores the marker.
/// </remarks>
public sealed partial class Migrator(Database db, TimeProvider time, ILogger<Migrator> logger, IReadOnlyList<Migrator.Migration>? migrations = null)
{
    // Any constant works; it only has to be the same on every node.
    private const long PostgresLockKey = 0x4B696E6472656401;

    /// <summary>The first line of a SQLite migration that rebuilds a table other tables reference.</summary>
    public const string ForeignKeysOffMarker = "-- kindred:foreign-keys-off";

    /// <summary>How many broken foreign keys a refused migration names (the first few say what went wrong).</summary>
    private const int DanglingShown = 10;

    public sealed record Migration(int Version, string Name, string Sql)
    {
        /// <summary>True when the file's first line is <see cref="ForeignKeysOffMarker"/>.</summary>
        public bool ForeignKeysOff => FirstLine(Sql) == ForeignKeysOffMarker;

        public string Label => $"{Version.ToString("D4", CultureInfo.InvariantCulture)}_{Name}";
    }

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
            list.Add(new Migration(int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        Validate(list, folder);
        return list;
    }

    /// <summary>The migrations this migrator applies: the built-in ones, or those it was given (tests).</summary>
    private IReadOnlyList<Migration> Known()
    {
        if (migrations is null)
        {
            return Available(db.Dialect);
        }

        var list = migrations.OrderBy(m => m.Version).ToList();
        Validate(list, "given");
        return list;
    }

    private static void Validate(List<Migration> list, string what)
    {
        for (var i = 1; i < list.Count; i++)
        {
            if (list[i].Version == list[i - 1].Version)
            {
                throw new InvalidOperationException($"Two {what} migrations share number {list[i].Version}.");
            }
        }

        // A marker anywhere but the first line would be silently ignored: the rebuild would run with foreign keys on.
        foreach (var m in list.Where(m => !m.ForeignKeysOff && m.Sql.Contains(ForeignKeysOffMarker, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"Migration {m.Label}: '{ForeignKeysOffMarker}' must be the file's first line.");
        }
    }

    /// <summary>Applies what is missing; returns the migrations applied now.</summary>
    public async Task<IReadOnlyList<Migration>> MigrateAsync(CancellationToken ct = default)
    {
        var available = Known();
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
                if (db.Dialect == Dialect.Sqlite && migration.ForeignKeysOff)
                {
                    await ApplyWithForeignKeysOffAsync(connection, migration, ct);
                }
                else
                {
                    if (db.Dialect == Dialect.Sqlite)
                    {
                        await RefuseDroppingReferencedTablesAsync(connection, migration);
                    }

                    await using var tx = await connection.BeginTransactionAsync(ct);
                    await connection.ExecuteAsync(migration.Sql, transaction: tx);
                    await RecordAsync(connection, migration, tx);
                    await tx.CommitAsync(ct);
                }

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

    private Task<int> RecordAsync(DbConnection connection, Migration migration, DbTransaction tx) =>
        connection.ExecuteAsync(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @At)",
            new { migration.Version, migration.Name, At = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) }, tx);

    /// <summary>
    /// SQLite's procedure for changing a table's definition (https://www.sqlite.org/lang_altertable.html#otheralter):
    /// foreign keys off (the pragma is a no-op inside a transaction, so it is set before it begins), the file in one
    /// transaction, <c>PRAGMA foreign_key_check</c> before committing (any reference left dangling rolls everything
    /// back, with the table and row named), and foreign keys on again whatever happened, before the pooled connection
    /// is used by anyone else.
    /// </summary>
    private async Task ApplyWithForeignKeysOffAsync(DbConnection connection, Migration migration, CancellationToken ct)
    {
        await connection.ExecuteAsync("PRAGMA foreign_keys = OFF");
        try
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(migration.Sql, transaction: tx);
            var dangling = (await connection.QueryAsync<ForeignKeyViolation>("PRAGMA foreign_key_check", transaction: tx)).AsList();
            if (dangling.Count > 0)
            {
                var report = await DescribeAsync(connection, tx, dangling);
                await tx.RollbackAsync(ct);
                throw new InvalidOperationException(
                    $"Migration {migration.Label} was rolled back, nothing changed: it would leave {dangling.Count} row(s) pointing at rows that do not exist: {report}");
            }

            await RecordAsync(connection, migration, tx);
            await tx.CommitAsync(ct);
        }
        finally
        {
            await connection.ExecuteAsync("PRAGMA foreign_keys = ON");
        }
    }

    /// <summary>One row of <c>PRAGMA foreign_key_check</c>: the referencing table and row, the table it points at, which foreign key.</summary>
    private sealed class ForeignKeyViolation
    {
        public string Table { get; init; } = "";
        public long? Rowid { get; init; }
        public string Parent { get; init; } = "";
        public long Fkid { get; init; }
    }

    private sealed class ForeignKeyColumn
    {
        public long Id { get; init; }
        public string From { get; init; } = "";
        public string? To { get; init; }
    }

    /// <summary>
    /// One line per referencing table and foreign key, with its first row: "threads row 12 (author_id = '...') points at
    /// users (id), which has no such row (3 rows like it)".
    /// </summary>
    private static async Task<string> DescribeAsync(DbConnection connection, DbTransaction tx, List<ForeignKeyViolation> dangling)
    {
        var lines = new List<string>();
        foreach (var group in dangling.GroupBy(v => (v.Table, v.Fkid)).Take(DanglingShown))
        {
            var v = group.First();
            var columns = (await connection.QueryAsync<ForeignKeyColumn>("SELECT id, \"from\", \"to\" FROM pragma_foreign_key_list(@table) WHERE id = @id",
                new { table = v.Table, id = v.Fkid }, tx)).AsList();
            var to = string.Join(", ", columns.Select(c => c.To ?? "primary key"));
            var line = new StringBuilder(v.Table).Append(" row ").Append(v.Rowid is { } r ? r.ToString(CultureInfo.InvariantCulture) : "(without rowid)");
            if (v.Rowid is { } rowid && columns.Count > 0)
            {
                // Names come from the database's own schema, not from input.
                var values = string.Join(" || ', ' || ", columns.Select(c => $"'{c.From.Replace("'", "''", StringComparison.Ordinal)} = ' || quote({Quote(c.From)})"));
                line.Append(" (").Append(await connection.ExecuteScalarAsync<string>($"SELECT {values} FROM {Quote(v.Table)} WHERE rowid = @rowid", new { rowid }, tx)).Append(')');
            }

            line.Append(CultureInfo.InvariantCulture, $" points at {v.Parent} ({to}), which has no such row");
            lines.Add(group.Count() > 1 ? line.Append(CultureInfo.InvariantCulture, $" ({group.Count()} rows like it)").ToString() : line.ToString());
        }

        var more = dangling.Select(v => (v.Table, v.Fkid)).Distinct().Count() - lines.Count;
        return string.Join("; ", lines) + (more > 0 ? $"; and {more} more foreign key(s)." : ".");
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// With foreign keys on, <c>DROP TABLE</c> first deletes every row: rows elsewhere that reference it are deleted too
    /// (ON DELETE CASCADE) or the drop fails. A file that drops a referenced table must say so with the marker.
    /// </summary>
    private static async Task RefuseDroppingReferencedTablesAsync(DbConnection connection, Migration migration)
    {
        foreach (Match drop in DropTable().Matches(WithoutComments(migration.Sql)))
        {
            var table = drop.Groups["table"].Value;
            var referencing = (await connection.QueryAsync<string>(
                "SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND m.name <> @table AND f.\"table\" = @table COLLATE NOCASE ORDER BY m.name",
                new { table })).AsList();
            if (referencing.Count > 0)
            {
                throw new InvalidOperationException(
                    $"Migration {migration.Label} drops table {table}, which {string.Join(", ", referencing)} reference(s): with foreign keys on, that would delete " +
                    $"their rows too. Start the file with the line '{ForeignKeysOffMarker}' to rebuild the table with foreign keys off (see CONTRIBUTING, 'Adding a migration').");
            }
        }
    }

    private static string FirstLine(string sql)
    {
        var text = sql.AsSpan().TrimStart('\uFEFF');
        var end = text.IndexOf('\n');
        return (end < 0 ? text : text[..end]).Trim().ToString();
    }

    private static string WithoutComments(string sql) => LineComment().Replace(sql, "");


    /// <summary>
    /// For everything but <c>admin migrate</c> and a server allowed to migrate at start: the schema must be exactly what this
    /// build knows. Behind: "run admin migrate"; ahead (a newer Kindred ran here): refuse, never guess.
    /// </summary>
    public async Task EnsureCurrentAsync(CancellationToken ct = default)
    {
        var available = Known();
        await using var connection = await db.OpenAsync(ct);
        var applied = await AppliedAsync(connection);
        RefuseNewerSchema(applied, available);
        var pending = available.Select(m => m.Version).Except(applied).ToList();
        if (pending.Count > 0)
        {
            throw new Configuration.StartupException(
                $"Kindred cannot start: the database needs {pending.Count} migration(s) this version brings ({string.Join(", ", pending)}). " +
                "Back up, then run 'admin migrate' (or let the server migrate at start: Kindred__Database__MigrateOnStart=true).");
        }
    }

    private static void RefuseNewerSchema(IReadOnlyCollection<int> applied, IReadOnlyList<Migration> available)
    {
        var known = available.Count == 0 ? 0 : available[^1].Version;
        if (applied.Count > 0 && applied.Max() > known)
        {
            throw new Configuration.StartupException(
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
        var available = Known().Select(m => m.Version);
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

    [GeneratedRegex(@"\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?[""`\[]?(?<table>\w+)[""`\]]?", RegexOptions.IgnoreCase)]
    private static partial Regex DropTable();

    [GeneratedRegex(@"--[^\n]*")]
    private static partial Regex LineComment();
}
