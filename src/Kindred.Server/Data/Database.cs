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
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in one transaction: either everything it writes lands, or nothing does.</summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct);
        // SQLite: Microsoft.Data.Sqlite begins IMMEDIATE transactions by default, so a writer takes the write lock
        // up front instead of failing later with SQLITE_BUSY when upgrading from a read lock.
        await using var tx = await connection.BeginTransactionAsync(ct);
        var result = await work(connection, tx);
        await tx.CommitAsync(ct);
        return result;
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
