using Kindred.Server.Web;
namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// One Kindred server per test class, on SQLite or PostgreSQL. Test classes are written once against
/// <see cref="ServerFixture"/> and run for both databases (see <c>SqliteServer</c> and <c>PostgresServer</c>).
/// </summary>
public abstract class ServerFixture : IAsyncLifetime
{
    private KindredTestServer? _server;
    private string? _unavailable;

    public abstract DatabaseKind Database { get; }

    /// <summary>Extra settings for this fixture's server.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    /// <summary>Extra services for this fixture's server (registered before the app's own, so TryAdd defaults yield).</summary>
    protected virtual void ConfigureBuilder(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder)
    {
    }

    /// <summary>The server; skips the calling test (with the reason) when its database is not available here.</summary>
    public KindredTestServer Server
    {
        get
        {
            if (_server is null)
            {
                Assert.Skip(_unavailable ?? "server did not start");
            }

            return _server;
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (Database == DatabaseKind.Postgres)
        {
            var unavailable = await PostgresCluster.UnavailableAsync();
            if (unavailable is not null)
            {
                if (PostgresCluster.Required)
                {
                    throw new InvalidOperationException("KINDRED_REQUIRE_POSTGRES=1 but " + unavailable);
                }

                _unavailable = unavailable;
                return;
            }
        }

        _server = await KindredTestServer.StartAsync(Database, Configure, ConfigureBuilder);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public class SqliteServer : ServerFixture
{
    public override DatabaseKind Database => DatabaseKind.Sqlite;
}

public class PostgresServer : ServerFixture
{
    public override DatabaseKind Database => DatabaseKind.Postgres;
}
