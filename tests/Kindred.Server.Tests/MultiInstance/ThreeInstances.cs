using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.MultiInstance;

/// <summary>
/// Three Kindred servers on distinct loopback addresses (127.0.0.2, .3 and .4: Linux answers the whole 127.0.0.0/8 on
/// <c>lo</c>), each with its own database, talking real signed HTTP with fast delivery retries. Instance A may run on
/// PostgreSQL (<see cref="ThreeInstancesWithPostgres"/>). C can be stopped and started again on the same address,
/// port and data.
/// </summary>
public abstract class ThreeInstances : IAsyncLifetime
{
    private readonly List<string> _dataDirectories = [];
    private readonly List<LoopbackPort> _ports = [];
    private string? _unavailable;
    private KindredTestServer? _a;
    private KindredTestServer? _b;
    private KindredTestServer? _c;
    private bool _cStopped;

    protected virtual DatabaseKind DatabaseOfA => DatabaseKind.Sqlite;

    public KindredTestServer A => _a ?? Skip();
    public KindredTestServer B => _b ?? Skip();
    public KindredTestServer C => _c is not null && !_cStopped ? _c : Skip();

    private KindredTestServer Skip()
    {
        Assert.Skip(_unavailable ?? "the three servers did not start");
        return null!;
    }

    /// <summary>The settings every instance shares: loopback peers allowed, federated groups, retries in (half) seconds.</summary>
    public static void Configure(Dictionary<string, string?> settings, LoopbackPort port)
    {
        settings["Kindred:PublicUrl"] = port.Origin;
        settings["Kindred:Federation:AllowPrivateAddresses"] = "true";
        settings["Kindred:Groups:DefaultFederation"] = "federated";
        settings["Kindred:Federation:Delivery:FirstRetryDelay"] = "00:00:00.5";
        settings["Kindred:Federation:Delivery:MaxRetryDelay"] = "00:00:02";
        settings["Kindred:Federation:Delivery:PollInterval"] = "00:00:00.2";
        settings["Kindred:Federation:Delivery:ConnectTimeout"] = "00:00:05";
        settings["Kindred:Federation:Delivery:BreakerFailureThreshold"] = "3";
        settings["Kindred:Federation:Delivery:BreakerCooldown"] = "00:00:01";
        settings["Kindred:Federation:Delivery:BreakerMaxCooldown"] = "00:00:02";
    }

    public async ValueTask InitializeAsync()
    {
        if (DatabaseOfA == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } unavailable)
        {
            if (PostgresCluster.Required)
            {
                throw new InvalidOperationException("KINDRED_REQUIRE_POSTGRES=1 but " + unavailable);
            }

            _unavailable = unavailable;
            return;
        }

        _a = await StartAsync(DatabaseOfA, "127.0.0.2");
        _b = await StartAsync(DatabaseKind.Sqlite, "127.0.0.3");
        _c = await StartAsync(DatabaseKind.Sqlite, "127.0.0.4");
    }

    /// <summary>
    /// Starts an instance on <paramref name="address"/>, on a port bound there (port 0, read back) and held until the
    /// fixture ends, so C starts again on the same address and port after <see cref="StopCAsync"/>.
    /// </summary>
    private async Task<KindredTestServer> StartAsync(DatabaseKind database, string address)
    {
        var port = LoopbackPort.Reserve(address);
        _ports.Add(port);
        var server = await KindredTestServer.StartAsync(database, s => Configure(s, port));
        _dataDirectories.Add(server.Settings["Kindred:DataDirectory"]!);
        return server;
    }

    /// <summary>Stops C; its database, keys, address and port stay for <see cref="StartCAsync"/>.</summary>
    public async Task StopCAsync()
    {
        await C.StopKeepingDataAsync();
        _cStopped = true;
    }

    public async Task StartCAsync()
    {
        var stopped = _c ?? Skip();
        _c = await KindredTestServer.StartWithSettingsAsync(stopped.Database, stopped.Settings);
        _cStopped = false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in new[] { _a, _b, _cStopped ? null : _c })
        {
            if (server is not null)
            {
                try
                {
                    await server.StopKeepingDataAsync();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        _ports.ForEach(p => p.Dispose());
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var directory in _dataDirectories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class ThreeInstancesOnSqlite : ThreeInstances;

public sealed class ThreeInstancesWithPostgres : ThreeInstances
{
    protected override DatabaseKind DatabaseOfA => DatabaseKind.Postgres;
}

/// <summary>One instance as the tests use it: its API through <see cref="GroupRig"/>, its database for what the API does not show.</summary>
public sealed class Instance(KindredTestServer server)
{
    public GroupRig Api { get; } = new(server);
    public KindredTestServer Server => server;

    /// <summary><c>host:port</c>, as in a group address <c>name@host:port</c>.</summary>
    public string Authority => server.BaseAddress.Authority;

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return (await c.ExecuteScalarAsync<T>(sql, args))!;
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return (await c.QueryAsync<T>(sql, args)).ToList();
    }
}
