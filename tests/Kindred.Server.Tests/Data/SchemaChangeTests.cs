using System.Data.Common;
using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kindred.Server.Tests.Data;

/// <summary>
/// Changing a constraint on a table other tables reference, the way a later migration will widen <c>users.status</c>
/// (banned, erased): on SQLite by rebuilding the table with foreign keys off (<see cref="Migrator.ForeignKeysOffMarker"/>),
/// on PostgreSQL with ALTER TABLE. Each test fills a real instance through its API (members, groups, a join request,
/// an invite, threads, replies, reactions, notifications), stops it and runs the built-in migrations plus one test
/// migration (<see cref="TestVersion"/>) on its database.
/// </summary>
public abstract partial class SchemaChangeTests(DatabaseKind database)
{
    /// <summary>Far above the product's numbers, so it always runs last.</summary>
    protected const int TestVersion = 9001;

    /// <summary>The value the test migrations add to the CHECK on <c>users.status</c>.</summary>
    protected const string NewStatus = "on_leave";

    [Fact]
    public async Task Widening_the_check_on_users_keeps_every_row_of_every_table()
    {
        await using var instance = await SeededInstance.StartAsync(database);
        await using var c = await instance.Db.OpenAsync();
        var before = await RowCountsAsync(c);
        var referencing = await TablesReferencingUsersAsync(c);
        var filled = referencing.Where(t => before[t] > 0).ToList();
        Assert.True(filled.Count >= 6, $"the seed should fill most tables that reference users; filled: {string.Join(", ", filled)} of {string.Join(", ", referencing)}");

        var applied = await MigrateAsync(instance.Db, await WidenStatusCheckAsync(c));

        Assert.Equal([TestVersion], applied.Select(m => m.Version));
        Assert.Equal(before, await RowCountsAsync(c));
        await AssertForeignKeysGuardUsersAsync(instance.Db, c, instance.Alice);

        // The wider check takes the new value and still refuses others.
        Assert.Equal(1, await c.ExecuteAsync($"UPDATE users SET status = '{NewStatus}' WHERE username = @name", new { name = instance.Bob }));
        await Assert.ThrowsAnyAsync<DbException>(() => c.ExecuteAsync("UPDATE users SET status = 'nonsense' WHERE username = @name", new { name = instance.Bob }));
    }

    /// <summary>The test migration: SQLite rebuilds users with the new value in its CHECK; PostgreSQL replaces the constraint.</summary>
    protected async Task<Migrator.Migration> WidenStatusCheckAsync(DbConnection c, string keepUsers = "") =>
        database == DatabaseKind.Sqlite ? await RebuildUsersAsync(c, keepUsers, marker: true) : await ReplaceStatusConstraintAsync(c);

    /// <summary>
    /// SQLite's way (https://www.sqlite.org/lang_altertable.html#otheralter): create users_new, copy, drop users, rename,
    /// recreate the indexes. The definition is today's, read from the database, with one more value in the CHECK on
    /// status, so the test keeps working as later migrations add columns to users.
    /// </summary>
    protected static async Task<Migrator.Migration> RebuildUsersAsync(DbConnection c, string keepUsers, bool marker)
    {
        var create = await c.ExecuteScalarAsync<string>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'");
        Assert.NotNull(create);
        var widened = StatusCheck().Replace(create, $"$0'{NewStatus}', ", 1);
        Assert.True(widened != create, "users has no CHECK (status IN (...)) any more; adjust this test: " + create);
        var newTable = CreateUsers().Replace(widened, "CREATE TABLE users_new", 1);
        var indexes = (await c.QueryAsync<string>("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL")).ToList();
        var sql = $"""
            {(marker ? Migrator.ForeignKeysOffMarker : "-- (no marker)")}
            -- users.status gains '{NewStatus}': SQLite changes a CHECK by rebuilding the table.
            {newTable};
            INSERT INTO users_new SELECT * FROM users {keepUsers};
            DROP TABLE users;
            ALTER TABLE users_new RENAME TO users;
            {string.Concat(indexes.Select(i => i + ";\n"))}
            """;
        return new Migrator.Migration(TestVersion, "widen_user_status", sql);
    }

    /// <summary>PostgreSQL's way: drop the CHECK and add the wider one. The marker is there to show it is ignored.</summary>
    private static async Task<Migrator.Migration> ReplaceStatusConstraintAsync(DbConnection c)
    {
        var checks = await c.QueryAsync<(string Name, string Definition)>(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'users'::regclass AND contype = 'c'");
        var (name, definition) = Assert.Single(checks, x => x.Definition.Contains("status", StringComparison.Ordinal));
        var values = QuotedValue().Matches(definition).Select(m => m.Value).Prepend($"'{NewStatus}'");
        var sql = $"""
            {Migrator.ForeignKeysOffMarker}
            ALTER TABLE users DROP CONSTRAINT "{name}", ADD CONSTRAINT "{name}" CHECK (status IN ({string.Join(", ", values)}));
            """;
        return new Migrator.Migration(TestVersion, "widen_user_status", sql);
    }

    /// <summary>The built-in migrations (all applied already) and <paramref name="extra"/>.</summary>
    protected static Task<IReadOnlyList<Migrator.Migration>> MigrateAsync(Database db, Migrator.Migration extra) =>
        new Migrator(db, TimeProvider.System, NullLogger<Migrator>.Instance, [.. Migrator.Available(db.Dialect), extra]).MigrateAsync();

    /// <summary>Row count of every table (schema_migrations aside: the test's own migration adds a row there).</summary>
    protected async Task<SortedDictionary<string, long>> RowCountsAsync(DbConnection c)
    {
        var tables = database == DatabaseKind.Sqlite
            ? await c.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            : await c.QueryAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables.Where(t => t != "schema_migrations"))
        {
            counts[table] = await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM \"{table}\"");
        }

        return counts;
    }

    private async Task<List<string>> TablesReferencingUsersAsync(DbConnection c) => (database == DatabaseKind.Sqlite
        ? await c.QueryAsync<string>("SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND f.\"table\" = 'users'")
        : await c.QueryAsync<string>("SELECT DISTINCT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND confrelid = 'users'::regclass")).ToList();

    /// <summary>The rebuilt users is the table the others' foreign keys point at, and they are enforced again.</summary>
    protected async Task AssertForeignKeysGuardUsersAsync(Database db, DbConnection c, string member)
    {
        if (database == DatabaseKind.Sqlite)
        {
            // Likely the pooled connection the migration ran on.
            await using var fresh = await db.OpenAsync();
            Assert.Equal(1L, await fresh.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
            Assert.Empty(await fresh.QueryAsync("PRAGMA foreign_key_check"));
            Assert.Equal("ok", await fresh.ExecuteScalarAsync<string>("PRAGMA integrity_check"));
        }

        var membership = "SELECT COUNT(*) FROM group_members m JOIN users u ON u.id = m.user_id WHERE u.username = @member";
        Assert.True(await c.ExecuteScalarAsync<long>(membership, new { member }) > 0);
        await Assert.ThrowsAnyAsync<DbException>(() => c.ExecuteAsync(
            "UPDATE group_members SET user_id = @nobody WHERE user_id = (SELECT id FROM users WHERE username = @member)", new { nobody = Guid.NewGuid(), member }));
    }

    [GeneratedRegex(@"CHECK\s*\(\s*status\s+IN\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex StatusCheck();

    [GeneratedRegex(@"^CREATE TABLE\s+[""`]?users[""`]?", RegexOptions.IgnoreCase)]
    private static partial Regex CreateUsers();

    [GeneratedRegex("'[^']*'")]
    private static partial Regex QuotedValue();
}

public sealed class SchemaChangeTestsOnSqlite() : SchemaChangeTests(DatabaseKind.Sqlite)
{
    [Fact]
    public async Task A_rebuild_that_would_leave_a_reference_dangling_is_rolled_back_and_names_the_row()
    {
        await using var instance = await SeededInstance.StartAsync(DatabaseKind.Sqlite);
        await using var c = await instance.Db.OpenAsync();
        var before = await RowCountsAsync(c);
        var schema = await SchemaAsync(c);

        // The copy forgets Bob, whose memberships, replies and reactions still point at him.
        var forgetful = await RebuildUsersAsync(c, $"WHERE username <> '{instance.Bob}'", marker: true);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => MigrateAsync(instance.Db, forgetful));

        Assert.Contains($"Migration {TestVersion}_widen_user_status was rolled back, nothing changed", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"group_members row \d+ \(user_id = '[0-9a-f-]{36}'\) points at users \(id\), which has no such row", error.Message);
        Assert.Matches(@"replies row \d+ \(author_id = '[0-9a-f-]{36}'\) points at users \(id\)", error.Message);
        Assert.Equal(before, await RowCountsAsync(c));
        Assert.Equal(schema, await SchemaAsync(c));
        Assert.Equal(0L, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations WHERE version = @TestVersion", new { TestVersion }));
        await AssertForeignKeysGuardUsersAsync(instance.Db, c, instance.Alice);

        // Nothing half-done is left behind: the corrected migration applies.
        Assert.Single(await MigrateAsync(instance.Db, await RebuildUsersAsync(c, "", marker: true)));
        Assert.Equal(before, await RowCountsAsync(c));
    }

    [Fact]
    public async Task Foreign_keys_are_on_again_for_the_next_migration()
    {
        await using var instance = await SeededInstance.StartAsync(DatabaseKind.Sqlite);
        await using var c = await instance.Db.OpenAsync();
        var before = await RowCountsAsync(c);
        var dangle = new Migrator.Migration(TestVersion + 1, "dangle",
            "UPDATE group_members SET user_id = 'nobody' WHERE rowid = (SELECT MIN(rowid) FROM group_members);");

        var migrator = new Migrator(instance.Db, TimeProvider.System, NullLogger<Migrator>.Instance,
            [.. Migrator.Available(Dialect.Sqlite), await RebuildUsersAsync(c, "", marker: true), dangle]);
        var error = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => migrator.MigrateAsync());

        Assert.Contains("FOREIGN KEY constraint failed", error.Message, StringComparison.Ordinal);
        Assert.Equal([TestVersion], await c.QueryAsync<int>("SELECT version FROM schema_migrations WHERE version >= @TestVersion", new { TestVersion }));
        Assert.Equal(before, await RowCountsAsync(c));
    }

    [Fact]
    public async Task Dropping_a_referenced_table_without_the_marker_is_refused_before_it_runs()
    {
        await using var instance = await SeededInstance.StartAsync(DatabaseKind.Sqlite);
        await using var c = await instance.Db.OpenAsync();
        var before = await RowCountsAsync(c);
        var schema = await SchemaAsync(c);

        var unmarked = await RebuildUsersAsync(c, "", marker: false);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => MigrateAsync(instance.Db, unmarked));

        Assert.Contains("drops table users, which", error.Message, StringComparison.Ordinal);
        Assert.Contains("group_members", error.Message, StringComparison.Ordinal);
        Assert.Contains(Migrator.ForeignKeysOffMarker, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await RowCountsAsync(c));
        Assert.Equal(schema, await SchemaAsync(c));
    }

    [Fact]
    public async Task A_marker_below_the_first_line_is_refused()
    {
        await using var instance = await SeededInstance.StartAsync(DatabaseKind.Sqlite, seed: false);
        var misplaced = new Migrator.Migration(TestVersion, "misplaced", $"-- Rebuild users.\n{Migrator.ForeignKeysOffMarker}\nSELECT 1;");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => MigrateAsync(instance.Db, misplaced));
        Assert.Contains("must be the file's first line", error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string>> SchemaAsync(DbConnection c) =>
        (await c.QueryAsync<string>("SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")).ToList();
}

public sealed class SchemaChangeTestsOnPostgres() : SchemaChangeTests(DatabaseKind.Postgres);

/// <summary>
/// A stopped instance whose database holds what people make: Alice (an admin) with an invite and the groups, Bob taking
/// part: an open group with both as members, an approval group with Bob's request, a thread, a reply,
/// reactions and the notifications they caused.
/// </summary>
public sealed class SeededInstance : IAsyncDisposable
{
    private readonly string _dataDirectory;

    private SeededInstance(Database db, string dataDirectory, string alice, string bob)
    {
        Db = db;
        _dataDirectory = dataDirectory;
        Alice = alice;
        Bob = bob;
    }

    public Database Db { get; }
    public string Alice { get; }
    public string Bob { get; }

    public static async Task<SeededInstance> StartAsync(DatabaseKind database, bool seed = true)
    {
        if (database == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } why)
        {
            Assert.Skip(why);
        }

        var server = await KindredTestServer.StartAsync(database);
        string alice = "", bob = "";
        try
        {
            if (seed)
            {
                (alice, bob) = await SeedAsync(new GroupRig(server));
            }
        }
        finally
        {
            await server.StopKeepingDataAsync();
        }

        var settings = server.Settings;
        var dataDirectory = settings["Kindred:DataDirectory"]!;
        var db = database == DatabaseKind.Postgres
            ? new Database(Dialect.Postgres, settings["Kindred:Database:ConnectionString"]!)
            : new Database(Dialect.Sqlite, Database.SqliteConnectionString(Path.Combine(dataDirectory, "kindred.db")));
        return new SeededInstance(db, dataDirectory, alice, bob);
    }

    private static async Task<(string Alice, string Bob)> SeedAsync(GroupRig rig)
    {
        var alice = await rig.AdminAsync();
        var invite = await alice.Web.SubmitAsync("/admin/registrations", "/admin/invites", new Dictionary<string, string>
        {
            ["maxUses"] = "3",
            ["validDays"] = "7",
            ["note"] = "for the Tuesday group",
        });
        Assert.Equal(HttpStatusCode.Redirect, invite.StatusCode);

        var bob = await rig.MemberAsync();
        var open = await rig.GroupAsync(alice);
        await rig.JoinAsync(bob, open);
        var closed = await rig.GroupAsync(alice, joinPolicy: "approval");
        var request = await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{closed}/membership", bob.Token, new { });
        Assert.True(request.IsSuccessStatusCode, $"join request: {request.StatusCode}");

        var thread = await rig.ThreadAsync(alice, open, "Hard week", "It has been a hard week.");
        var reply = await rig.ReplyAsync(bob, thread, "Same here.");
        Assert.Equal(HttpStatusCode.OK, (await rig.SendAsync(HttpMethod.Put, $"/api/v1/posts/{thread}/reaction", bob.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await rig.SendAsync(HttpMethod.Put, $"/api/v1/posts/{reply}/reaction", alice.Token)).StatusCode);
        return (alice.Name, bob.Name);
    }

    public async ValueTask DisposeAsync()
    {
        await Db.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
