using Kindred.Server.Configuration;
using Kindred.Server.Web;
using Dapper;
using Kindred.Server.Cli;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Hosting;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// <c>admin backup</c> / <c>admin verify-backup</c> while the server runs, and the upgrade guard: only <c>admin migrate</c>
/// (or the server at start) changes the schema, and no binary runs on a schema newer than it knows.
/// </summary>
public abstract class BackupAndUpgradeTests(DatabaseKind database) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kindred-backup-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    private async Task<KindredTestServer> StartAsync()
    {
        if (database == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } reason)
        {
            Assert.SkipWhen(!PostgresCluster.Required, reason);
        }

        return await KindredTestServer.StartAsync(database);
    }

    private static async Task<(int Code, string Out, string Err)> CliAsync(Dictionary<string, string?> settings, params string[] args)
    {
        var all = args.Concat(settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")).ToArray();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await AdminCli.RunAsync(all, new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task A_backup_taken_while_the_server_runs_verifies_and_is_private()
    {
        await using var server = await StartAsync();
        var name = await Accounts.RegisterAsync(server);
        await server.Get<ActorKeys>().GetSigningKeyAsync(server.Get<ActorUrls>().User(name).AbsoluteUri, CancellationToken.None);

        var file = Path.Combine(_dir, "kindred.backup");
        var backup = await CliAsync(server.Settings, "admin", "backup", "--output", file);
        Assert.True(backup.Code == 0, backup.Err);
        Assert.Contains("does not contain the key ring certificate", backup.Out);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(SecureFiles.PrivateFile, File.GetUnixFileMode(file));
        }

        var again = await CliAsync(server.Settings, "admin", "backup", "--output", file);
        Assert.Equal(1, again.Code);
        Assert.Contains("already exists", again.Err);

        var verified = await CliAsync(server.Settings, "admin", "verify-backup", file);
        Assert.True(verified.Code == 0, verified.Err);
        Assert.Contains(database == DatabaseKind.Sqlite ? "actor keys and the API token key checked" : "readable by pg_restore", verified.Out);
    }

    protected async Task A_backup_checked_without_its_certificate_says_soCore()
    {
        await using var server = await StartAsync();
        var name = await Accounts.RegisterAsync(server);
        await server.Get<ActorKeys>().GetSigningKeyAsync(server.Get<ActorUrls>().User(name).AbsoluteUri, CancellationToken.None);
        var file = Path.Combine(_dir, "kindred.backup");
        Assert.Equal(0, (await CliAsync(server.Settings, "admin", "backup", "--output", file)).Code);

        // Another instance's configuration: its own certificate.
        await using var other = await StartAsync();
        var wrong = await CliAsync(other.Settings, "admin", "verify-backup", file);
        Assert.Equal(1, wrong.Code);
        Assert.Contains("do not decrypt", wrong.Err);

        var none = new Dictionary<string, string?>(server.Settings) { ["Kindred:DataDirectory"] = Path.Combine(_dir, "empty") };
        var missing = await CliAsync(none, "admin", "verify-backup", file);
        Assert.Equal(1, missing.Code);
        Assert.Contains("no key ring certificate", missing.Err);
        Assert.False(Directory.Exists(Path.Combine(_dir, "empty", "secrets"))); // checking makes no secrets
    }

    [Fact]
    public async Task A_schema_newer_than_the_binary_is_refused_by_the_server_and_the_commands()
    {
        var server = await StartAsync();
        await using (var c = await server.Get<Database>().OpenAsync())
        {
            await c.ExecuteAsync("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', '2030-01-01T00:00:00Z')");
        }

        var settings = server.Settings;
        await server.StopKeepingDataAsync();

        var ex = await Assert.ThrowsAsync<StartupException>(() => KindredTestServer.StartWithSettingsAsync(database, settings));
        Assert.Contains("schema is version 9999, newer than this version of Kindred knows", ex.Message);

        foreach (var command in new[] { new[] { "admin", "migrate" }, ["admin", "create-user", "--username", Accounts.UniqueName(), "--email", "f@example.org"] })
        {
            var (code, _, err) = await CliAsync(settings, command);
            Assert.Equal(2, code);
            Assert.Contains("newer than this version of Kindred knows", err);
        }
    }

    [Fact]
    public async Task Only_admin_migrate_or_the_server_migrates_never_create_user()
    {
        if (database == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } reason)
        {
            Assert.SkipWhen(!PostgresCluster.Required, reason);
        }

        var settings = KindredTestServer.BaseSettings(Path.Combine(_dir, "fresh"));
        settings["Kindred:PublicUrl"] = "https://support.example.org";
        if (database == DatabaseKind.Postgres)
        {
            settings["Kindred:Database:Provider"] = "postgres";
            settings["Kindred:Database:ConnectionString"] = (await PostgresCluster.CreateDatabaseAsync()).ConnectionString;
        }

        var name = Accounts.UniqueName("first");
        string[] createUser = ["admin", "create-user", "--username", name, "--email", name + "@example.org", "--role", "admin"];
        var refused = await CliAsync(settings, createUser);
        Assert.Equal(2, refused.Code);
        Assert.Contains("run 'admin migrate'", refused.Err);

        var migrated = await CliAsync(settings, "admin", "migrate");
        Assert.True(migrated.Code == 0, migrated.Err);
        Assert.Contains("Applied", migrated.Out);
        var created = await CliAsync(settings, createUser);
        Assert.True(created.Code == 0, created.Err);
    }

    protected async Task A_server_told_not_to_migrate_refuses_a_schema_behind_itCore()
    {
        var settings = KindredTestServer.BaseSettings(Path.Combine(_dir, "behind"));
        settings["Kindred:Database:MigrateOnStart"] = "false";
        var ex = await Assert.ThrowsAsync<StartupException>(() => KindredTestServer.StartWithSettingsAsync(database, settings));
        Assert.Contains("needs", ex.Message);
        Assert.Contains("admin migrate", ex.Message);
    }

    protected async Task The_data_directory_and_the_SQLite_file_are_privateCore()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var data = Path.Combine(_dir, "private");
        await using var server = await KindredTestServer.StartAsync(database, s => s["Kindred:DataDirectory"] = data);
        await Accounts.RegisterAsync(server);
        Assert.Equal(SecureFiles.PrivateDirectory, File.GetUnixFileMode(data));
        foreach (var file in Directory.GetFiles(data, "kindred.db*"))
        {
            Assert.Equal(SecureFiles.PrivateFile, File.GetUnixFileMode(file));
        }
    }
}

/// <summary>SQLite runs every test; the SQLite-only ones (key checks in the backup file, file modes, the migrate-at-start switch
/// whose code path is the same on both engines) are here.</summary>
public sealed class BackupAndUpgradeTestsOnSqlite() : BackupAndUpgradeTests(DatabaseKind.Sqlite)
{
    [Fact]
    public Task A_backup_checked_without_its_certificate_says_so() => A_backup_checked_without_its_certificate_says_soCore();

    [Fact]
    public Task A_server_told_not_to_migrate_refuses_a_schema_behind_it() => A_server_told_not_to_migrate_refuses_a_schema_behind_itCore();

    [Fact]
    public Task The_data_directory_and_the_SQLite_file_are_private() => The_data_directory_and_the_SQLite_file_are_privateCore();
}

public sealed class BackupAndUpgradeTestsOnPostgres() : BackupAndUpgradeTests(DatabaseKind.Postgres);
