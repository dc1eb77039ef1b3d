using Kindred.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kindred.Server.Tests.TestRig;

public enum DatabaseKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The real Kindred app on a real database, served by Kestrel on a loopback port: tests talk to it over HTTP
/// exactly as a browser or API client would.
/// </summary>
public sealed class KindredTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string? _tempDirectory;

    private KindredTestServer(WebApplication app, Uri baseAddress, string? tempDirectory, DatabaseKind database, Dictionary<string, string?> settings)
    {
        _app = app;
        BaseAddress = baseAddress;
        _tempDirectory = tempDirectory;
        Database = database;
        Settings = settings;
    }

    public Uri BaseAddress { get; }
    public DatabaseKind Database { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>The configuration this server was started with (to start another on the same data).</summary>
    public Dictionary<string, string?> Settings { get; }

    /// <summary>Where the server listens when that is not its PublicUrl (behind a simulated reverse proxy).</summary>
    public const string ListenUrlSetting = "Test:ListenUrl";

    /// <summary>Settings every test server shares: fast password hashing, no sign-in rate limits unless a test sets them.</summary>
    public static Dictionary<string, string?> BaseSettings(string dataDirectory) => new()
    {
        ["Kindred:DataDirectory"] = dataDirectory,
        ["Kindred:Security:Argon2MemoryKiB"] = "8192",
        ["Kindred:Security:Argon2Passes"] = "1",
        ["Kindred:Security:SignInAttemptsPerMinute"] = "10000",
        ["Kindred:Security:SignInBurstPerAddress"] = "10000",
        ["Kindred:Security:SignInAttemptsPerAccountPerMinute"] = "10000",
        ["Kindred:Registration:Mode"] = "open",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Kindred"] = "Warning",
    };

    /// <summary>Starts a server on a new database of the given kind; null when that database is not available here.</summary>
    public static async Task<KindredTestServer> StartAsync(DatabaseKind database, Action<Dictionary<string, string?>>? configure = null,
        Action<WebApplicationBuilder>? builder = null)
    {
        var temp = Path.Combine(Path.GetTempPath(), "kindred-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        var settings = BaseSettings(temp);
        if (database == DatabaseKind.Postgres)
        {
            var (cs, unavailable) = await PostgresCluster.CreateDatabaseAsync();
            if (cs is null)
            {
                throw new InvalidOperationException(unavailable);
            }

            settings["Kindred:Database:Provider"] = "postgres";
            settings["Kindred:Database:ConnectionString"] = cs;
        }

        configure?.Invoke(settings);
        return await StartWithSettingsAsync(database, settings, temp, builder);
    }

    /// <summary>Starts a server on existing settings (same database), e.g. to check that data survives a restart.</summary>
    public static async Task<KindredTestServer> StartWithSettingsAsync(DatabaseKind database, Dictionary<string, string?> settings,
        string? tempDirectory = null, Action<WebApplicationBuilder>? builder = null)
    {
        // PublicUrl must name the real port, so pick a free loopback port first.
        if (!settings.TryGetValue("Kindred:PublicUrl", out var publicUrl) || publicUrl is null)
        {
            publicUrl = $"http://127.0.0.1:{FreePort()}";
            settings["Kindred:PublicUrl"] = publicUrl;
        }

        // A deliberately malformed PublicUrl (configuration tests) still needs somewhere to listen; "Test:ListenUrl" is where
        // a server behind a (simulated) reverse proxy listens while its PublicUrl names the proxy.
        var address = settings.TryGetValue(ListenUrlSetting, out var listen) && listen is not null ? new Uri(listen)
            : Uri.TryCreate(publicUrl, UriKind.Absolute, out var parsed) && parsed.Port > 0 && parsed.Scheme == "http" ? parsed
            : new Uri($"http://127.0.0.1:{FreePort()}");
        var app = KindredApp.Build(["--urls", $"http://{address.Host}:{address.Port}"], b =>
        {
            b.Configuration.AddInMemoryCollection(settings);
            builder?.Invoke(b);
        });
        await app.PrepareAsync();
        await app.StartAsync();
        return new KindredTestServer(app, address, tempDirectory, database, settings);
    }

    /// <summary>A port free on <paramref name="address"/> itself (multi-instance tests use 127.0.0.2 and up).</summary>
    public static int FreePort(string address = "127.0.0.1")
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Parse(address), 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public WebSession NewSession() => new(BaseAddress);

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_tempDirectory is not null)
        {
            try
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(_tempDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Stops the app but keeps its data, for restart tests.</summary>
    public async Task StopKeepingDataAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
