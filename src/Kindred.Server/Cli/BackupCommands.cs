using Kindred.Server.Configuration;
using System.CommandLine;
using System.Diagnostics;
using System.Xml.Linq;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Federation.Keys;
using Kindred.Server.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kindred.Server.Cli;

/// <summary>
/// <c>admin backup --output FILE</c> (SQLite: <c>VACUUM INTO</c>, a consistent copy taken while the server runs; PostgreSQL:
/// <c>pg_dump --format=custom</c>) and <c>admin verify-backup FILE</c> (opens it, checks integrity and schema version, and
/// that its keys decrypt with this instance's key ring certificate). Neither builds the server: no secrets are made.
/// </summary>
public static class BackupCommands
{
    public static void AddTo(Command admin, string[] configArgs, TextWriter stdout, TextWriter stderr)
    {
        var output = new Option<FileInfo>("--output", "-o") { Description = "File to write (must not exist yet). Created readable by its owner only.", Required = true };
        var backup = new Command("backup", "Back up the database while Kindred runs. The key ring certificate (data/secrets) is not included: back it up apart.") { output };
        backup.SetAction((parse, ct) => Run(configArgs, stderr, o => BackupAsync(o, parse.GetValue(output)!.FullName, stdout, stderr, ct)));
        admin.Subcommands.Add(backup);

        var file = new Argument<FileInfo>("FILE") { Description = "A file written by 'admin backup'." };
        var verify = new Command("verify-backup", "Check a backup: readable, schema version, and that its keys decrypt with this instance's certificate.") { file };
        verify.SetAction((parse, ct) => Run(configArgs, stderr, o => VerifyAsync(o, parse.GetValue(file)!.FullName, stdout, stderr, ct)));
        admin.Subcommands.Add(verify);
    }

    private static async Task<int> Run(string[] configArgs, TextWriter stderr, Func<KindredOptions, Task<int>> action)
    {
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = configArgs, ContentRootPath = AppContext.BaseDirectory });
            var options = builder.Configuration.GetSection(KindredOptions.Section).Get<KindredOptions>() ?? new KindredOptions();
            return await action(options);
        }
        catch (Exception ex) when (StartupErrors.Describe(ex) is { } line)
        {
            await stderr.WriteLineAsync(line);
            return StartupErrors.ExitCode;
        }
    }

    private static async Task<int> BackupAsync(KindredOptions o, string path, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (File.Exists(path))
        {
            await stderr.WriteLineAsync($"error: {path} already exists; choose a new file name (e.g. with the date).");
            return 1;
        }

        CreateEmptyPrivateFile(path);
        await using var db = KindredApp.CreateDatabase(o);
        try
        {
            if (db.Dialect == Dialect.Sqlite)
            {
                // VACUUM INTO reads one consistent snapshot (writers carry on) and writes a compact copy into the empty file.
                await using var connection = await db.OpenAsync(ct);
                await connection.ExecuteAsync("VACUUM INTO @path", new { path });
            }
            else if (await PgDumpAsync(o.Database.ConnectionString!, path, stderr, ct) is { } failed)
            {
                File.Delete(path);
                return failed;
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or IOException)
        {
            File.Delete(path);
            await stderr.WriteLineAsync($"error: the backup failed: {ex.Message}");
            return 1;
        }

        await stdout.WriteLineAsync($"Backed up the {db.Dialect} database to {path} ({new FileInfo(path).Length:N0} bytes).");
        await stdout.WriteLineAsync($"It does not contain the key ring certificate ({KeyRingProtection.SecretsDirectory(o)}): keep a copy of that apart from your backups.");
        return 0;
    }

    private static async Task<int?> PgDumpAsync(string connectionString, string path, TextWriter stderr, CancellationToken ct)
    {
        if (FindPostgresTool("pg_dump") is not { } pgDump)
        {
            await stderr.WriteLineAsync("error: pg_dump was not found. Install the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client) " +
                                        "matching your server's major version, or back up with your database provider's tools.");
            return 1;
        }

        var info = new ProcessStartInfo(pgDump) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--format=custom", "--no-owner", "--file", path })
        {
            info.ArgumentList.Add(a);
        }

        // Connection details through libpq's environment, so the password never appears in a process list.
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        Set(info, "PGHOST", cs.Host);
        Set(info, "PGPORT", cs.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Set(info, "PGDATABASE", cs.Database);
        Set(info, "PGUSER", cs.Username);
        Set(info, "PGPASSWORD", cs.Password);
        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            await stderr.WriteLineAsync($"error: pg_dump failed (exit {process.ExitCode}): {error.Trim()}");
            return 1;
        }

        return null;
    }

    private static void Set(ProcessStartInfo info, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            info.Environment[name] = value;
        }
    }

    private static async Task<int> VerifyAsync(KindredOptions o, string path, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            await stderr.WriteLineAsync($"error: {path} does not exist.");
            return 1;
        }

        var header = new byte[16];
        await using (var f = File.OpenRead(path))
        {
            _ = await f.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct);
        }

        if (System.Text.Encoding.ASCII.GetString(header).StartsWith("SQLite format 3", StringComparison.Ordinal))
        {
            return await VerifySqliteAsync(o, path, stdout, stderr, ct);
        }

        if (System.Text.Encoding.ASCII.GetString(header, 0, 5) == "PGDMP")
        {
            return await VerifyPgDumpAsync(path, stdout, stderr, ct);
        }

        await stderr.WriteLineAsync($"error: {path} is neither a SQLite database nor a pg_dump custom-format file.");
        return 1;
    }

    private static async Task<int> VerifySqliteAsync(KindredOptions o, string path, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var c = new SqliteConnection(cs);
        await c.OpenAsync(ct);
        var integrity = await c.ExecuteScalarAsync<string>("PRAGMA integrity_check");
        if (integrity != "ok")
        {
            await stderr.WriteLineAsync($"error: the backup is damaged: {integrity}");
            return 1;
        }

        var known = Migrator.Available(Dialect.Sqlite)[^1].Version;
        var version = await c.ExecuteScalarAsync<int?>("SELECT MAX(version) FROM schema_migrations");
        var users = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users");
        var groups = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM groups");
        await stdout.WriteLineAsync($"SQLite backup, intact; schema version {version} (this Kindred knows {known}); {users} account(s), {groups} group(s).");
        if (version > known)
        {
            await stderr.WriteLineAsync("error: the backup was made by a newer Kindred; restore it with that version.");
            return 1;
        }

        var ring = (await c.QueryAsync<string>("SELECT xml FROM data_protection_keys")).Select(XElement.Parse).ToList();
        var actorKey = await c.QueryFirstOrDefaultAsync<string>("SELECT private_key_protected FROM actor_keys LIMIT 1");
        var secret = await c.QueryFirstOrDefaultAsync<string>("SELECT value FROM instance_secrets WHERE name = @name", new { name = InstanceSecrets.TokenSigningKey });
        var problem = KeysDecrypt(o, ring, actorKey, secret);
        if (problem is not null)
        {
            await stderr.WriteLineAsync("error: " + problem);
            return 1;
        }

        await stdout.WriteLineAsync($"Its keys decrypt with the key ring certificate of this configuration ({ring.Count} ring key(s)" +
                                    (actorKey is null ? ", no actor keys yet)." : ", actor keys and the API token key checked)."));
        return 0;
    }

    /// <summary>Data Protection over the backup's ring with this instance's certificates, as the restored server would have.</summary>
    private static string? KeysDecrypt(KindredOptions o, List<XElement> ring, string? actorKey, string? secret)
    {
        var certificates = KeyRingProtection.LoadExisting(o);
        if (certificates.Count == 0)
        {
            return $"there is no key ring certificate in {KeyRingProtection.SecretsDirectory(o)} (or Kindred:Secrets:CertificatePath) to check the keys with. " +
                   "Put the secrets folder that belongs to this backup there.";
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName("Kindred").DisableAutomaticKeyGeneration().UnprotectKeysWithAnyCertificate([.. certificates]);
        services.Configure<KeyManagementOptions>(k => k.XmlRepository = new ReadOnlyRing(ring));
        using var provider = services.BuildServiceProvider();
        var dp = provider.GetRequiredService<IDataProtectionProvider>();
        try
        {
            if (actorKey is not null)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(dp.CreateProtector(ActorKeys.Purpose).Unprotect(Convert.FromBase64String(actorKey)));
            }

            if (secret is not null && secret.StartsWith("dp1:", StringComparison.Ordinal))
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(dp.CreateProtector("Kindred.InstanceSecrets.v1").Unprotect(Convert.FromBase64String(secret[4..])));
            }

            return null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return "the backup's keys do not decrypt with this configuration's key ring certificate. Restore it together with the secrets folder " +
                   "(or Kindred:Secrets:CertificatePath) that was in use when it was made.";
        }
    }

    private static async Task<int> VerifyPgDumpAsync(string path, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        if (FindPostgresTool("pg_restore") is not { } pgRestore)
        {
            await stderr.WriteLineAsync("error: pg_restore was not found; install the PostgreSQL client tools to check a PostgreSQL backup.");
            return 1;
        }

        var info = new ProcessStartInfo(pgRestore) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--list");
        info.ArgumentList.Add(path);
        using var process = Process.Start(info)!;
        var list = await process.StandardOutput.ReadToEndAsync(ct);
        var error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            await stderr.WriteLineAsync($"error: pg_restore cannot read the backup: {error.Trim()}");
            return 1;
        }

        var missing = new[] { "schema_migrations", "users", "data_protection_keys", "actor_keys" }
            .Where(t => !list.Contains("TABLE DATA public " + t + " ", StringComparison.Ordinal)).ToList();
        if (missing.Count > 0)
        {
            await stderr.WriteLineAsync($"error: the backup lacks the data of: {string.Join(", ", missing)}.");
            return 1;
        }

        await stdout.WriteLineAsync("PostgreSQL backup, readable by pg_restore, with every table's data. Its keys can only be checked after a restore: " +
                                    "restore it into a scratch database and run 'admin verify-backup' on an SQLite backup, or start Kindred on it with the secrets folder.");
        return 0;
    }

    /// <summary>On PATH, or the newest version in Debian's /usr/lib/postgresql/N/bin.</summary>
    private static string? FindPostgresTool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin", name))
                .Where(File.Exists)
                .OrderByDescending(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
    }

    private static void CreateEmptyPrivateFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        SecureFiles.WritePrivateFile(path, []);
    }

    private sealed class ReadOnlyRing(IReadOnlyCollection<XElement> elements) : IXmlRepository
    {
        public IReadOnlyCollection<XElement> GetAllElements() => elements;

        public void StoreElement(XElement element, string friendlyName) => throw new InvalidOperationException("A backup is only read.");
    }
}
