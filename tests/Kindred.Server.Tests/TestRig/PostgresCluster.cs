using System.Diagnostics;
using Npgsql;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// A throwaway PostgreSQL for the test run: <c>KINDRED_TEST_POSTGRES</c> (a connection string to a server where
/// databases may be created) when set, otherwise a cluster started from the server binaries on this machine
/// (initdb/pg_ctl, as the <c>postgres</c> user when the tests run as root) that listens on a Unix socket in its own
/// directory only: no TCP port to pick, so no port another process could take first.
/// Each test server gets a fresh database. Where no PostgreSQL is available the PostgreSQL tests are skipped
/// with the reason, unless <c>KINDRED_REQUIRE_POSTGRES=1</c> (CI) makes that a failure.
/// </summary>
public static class PostgresCluster
{
    private static readonly Lazy<Task<(string? ConnectionString, string? Unavailable)>> Server = new(StartAsync);

    /// <summary>Only names the socket file (<c>.s.PGSQL.5432</c> in the cluster's own directory): no TCP port is used.</summary>
    private const int SocketPort = 5432;
    private static int _databases;

    public static bool Required => Environment.GetEnvironmentVariable("KINDRED_REQUIRE_POSTGRES") == "1";

    /// <summary>Why PostgreSQL tests cannot run here, or null when they can.</summary>
    public static async Task<string?> UnavailableAsync() => (await Server.Value).Unavailable;

    /// <summary>A connection string to a new, empty database, or the reason there is none.</summary>
    public static async Task<(string? ConnectionString, string? Unavailable)> CreateDatabaseAsync()
    {
        var (admin, unavailable) = await Server.Value;
        if (admin is null)
        {
            return (null, unavailable);
        }

        var name = $"kindred_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return (new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true, MaxPoolSize = 20 }.ToString(), null);
    }

    private static async Task<(string?, string?)> StartAsync()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("KINDRED_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return (fromEnvironment, null);
        }

        var bin = FindBinaries();
        if (bin is null)
        {
            return (null, "PostgreSQL tests skipped: no PostgreSQL server binaries (initdb, pg_ctl) found and KINDRED_TEST_POSTGRES is not set. " +
                          "Install PostgreSQL (e.g. apt-get install postgresql) or point KINDRED_TEST_POSTGRES at a server.");
        }

        var asRoot = Environment.UserName == "root";
        var dir = Path.Combine(Path.GetTempPath(), $"kindred-pg-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        if (asRoot)
        {
            // PostgreSQL refuses to run as root; hand the directory to the postgres user.
            await RunAsync("chown", ["postgres", dir]);
        }

        var log = Path.Combine(dir, "server.log");
        var data = Path.Combine(dir, "data");
        var (initOk, initOut) = await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "kindred", "--auth=trust", "-E", "UTF8", "--no-sync"], asRoot);
        if (!initOk)
        {
            return (null, "PostgreSQL tests skipped: initdb failed: " + initOut);
        }

        var (startOk, startOut) = await RunAsync(Path.Combine(bin, "pg_ctl"),
        [
            "-D", data, "-l", log, "-w", "-t", "60", "start", "-o",
            $"-c listen_addresses='' -p {SocketPort} -k {dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
        ], asRoot);
        if (!startOk)
        {
            return (null, "PostgreSQL tests skipped: pg_ctl start failed: " + startOut);
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "stop"], asRoot).GetAwaiter().GetResult();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        };

        return ($"Host={dir};Port={SocketPort};Username=kindred;Database=postgres", null);
    }

    private static string? FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            var best = Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (best.Dir is not null)
            {
                return best.Dir;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }

        return null;
    }

    private static async Task<(bool Ok, string Output)> RunAsync(string file, string[] args, bool asPostgresUser = false)
    {
        var start = new ProcessStartInfo(asPostgresUser ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgresUser)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode == 0, (await stdout) + (await stderr));
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (false, ex.Message);
        }
    }
}
