using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Kindred.Server.Data;

/// <summary>
/// The one data layer: opens connections for the configured engine. Callers write Dapper queries with portable
/// SQL (both engines accept <c>ON CONFLICT</c>, <c>RETURNING</c>, <c>LIMIT</c>) and branch on <see cref="Dialect"/> only
/// where the two really differ.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly NpgsqlDataSource? _npgsql;

    // SQLite has one writer at a time. Writers of this process queue here for it, in order, instead of meeting a
    // taken lock and sleeping in the busy handler (whose waits grow to 100 ms, the tail of every busy moment).
    private readonly SemaphoreSlim? _sqliteWriter;
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(30);

    // Work to run once a transaction has committed (wake a worker for the jobs it wrote). Keyed by the transaction
    // object; a rolled-back transaction's entries go with it.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbTransaction, List<Action>> _afterCommit = new();

    public Database(Dialect dialect, string connectionString)
    {
        Dialect = dialect;
        _connectionString = connectionString;
        if (dialect == Dialect.Postgres)
        {
            _npgsql = new NpgsqlDataSourceBuilder(connectionString).Build();
        }
        else
        {
            EnsureSqliteDirectory(connectionString);
            _sqliteWriter = new SemaphoreSlim(1, 1);
        }

        DapperSetup.EnsureRegistered();
    }

    public Dialect Dialect { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken ct = default)
    {
        if (_npgsql is not null)
        {
            return await _npgsql.OpenConnectionAsync(ct);
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(ct);
        WaitWhenBusy(connection);
        return connection;
    }

    /// <summary>Synchronous open, for the few framework callbacks that are synchronous (Data Protection's key store).</summary>
    public DbConnection Open()
    {
        if (_npgsql is not null)
        {
            return _npgsql.OpenConnection();
        }

        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        WaitWhenBusy(connection);
        return connection;
    }

    /// <summary>
    /// SQLite allows one writer at a time. Without a busy timeout, a writer that finds the lock taken gets SQLITE_BUSY
    /// and Microsoft.Data.Sqlite retries it after sleeping 150 ms, a thread-blocking wait that turns a lock held for
    /// a millisecond into a 150 ms stall (under load, p99 latencies of half a second). SQLite's own busy handler
    /// instead retries within the statement after 1, 2, 5, 10 ... ms. The setting lives on the native connection.
    /// </summary>
    private static void WaitWhenBusy(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = " + (connection.DefaultTimeout * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        command.ExecuteNonQuery();
    }

    /// <summary>Runs <paramref name="work"/> in one transaction: either everything it writes lands, or nothing does.</summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        if (_sqliteWriter is not null && !await _sqliteWriter.WaitAsync(WriterTimeout, ct))
        {
            throw new TimeoutException($"No write access to the SQLite database within {WriterTimeout.TotalSeconds:N0} s.");
        }

        try
        {
            // SQLite: Microsoft.Data.Sqlite begins IMMEDIATE transactions by default, so a writer takes the write lock
            // up front instead of failing later with SQLITE_BUSY when upgrading from a read lock.
            await using var tx = await connection.BeginTransactionAsync(ct);
            T result;
            try
            {
                result = await work(connection, tx);
                await tx.CommitAsync(ct);
            }
            catch
            {
                _afterCommit.Remove(tx);
                throw;
            }

            if (_afterCommit.TryGetValue(tx, out var actions))
            {
                _afterCommit.Remove(tx);
                foreach (var action in actions)
                {
                    action();
                }
            }

            return result;
        }
        finally
        {
            _sqliteWriter?.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> after <paramref name="tx"/> (opened by <see cref="InTransactionAsync{T}"/>) commits,
    /// never if it rolls back. Whoever writes jobs in a caller's transaction registers the wake-up of their worker here,
    /// so callers need not remember to. The same action registered twice for one transaction runs once.
    /// </summary>
    public void AfterCommit(DbTransaction tx, Action action)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(action);
        var actions = _afterCommit.GetOrCreateValue(tx);
        lock (actions)
        {
            if (!actions.Contains(action))
            {
                actions.Add(action);
            }
        }
    }

    public Task InTransactionAsync(Func<DbConnection, DbTransaction, Task> work, CancellationToken ct = default) =>
        InTransactionAsync(async (c, t) =>
        {
            await work(c, t);
            return true;
        }, ct);

    public async ValueTask DisposeAsync()
    {
        if (_npgsql is not null)
        {
            await _npgsql.DisposeAsync();
        }

        _sqliteWriter?.Dispose();
    }

    /// <summary>Builds the SQLite connection string for a file in the data directory, with the settings Kindred relies on.</summary>
    public static string SqliteConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        ForeignKeys = true,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private static void EnsureSqliteDirectory(string connectionString)
    {
        var source = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(source) || source == ":memory:" || source.StartsWith("file:", StringComparison.Ordinal))
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(source));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }
    }
}
