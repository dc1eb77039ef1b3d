using Kindred.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Kindred.Server.Web;
using Kindred.Server.Configuration;

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
    /// <summary>
    /// A loopback port free right now, for a server in another process (a child <c>Kindred.Server</c>) that cannot share
    /// this process's reservation. In-process servers use <see cref="LoopbackPort.Reserve"/> instead.
    /// </summary>
    public static int FreePort()
    {
        using var reserved = LoopbackPort.Reserve();
        return reserved.Port;
    }

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

    /// <summary>
    /// Starts a server on existing settings (same database), e.g. to check that data survives a restart. Without a
    /// PublicUrl it gets a port of its own (<see cref="LoopbackPort"/>), held until the server is disposed: a server
    /// stopped with <see cref="StopKeepingDataAsync"/> keeps it, so one started again on its settings finds it free.
    /// </summary>
    public static async Task<KindredTestServer> StartWithSettingsAsync(DatabaseKind database, Dictionary<string, string?> settings,
        string? tempDirectory = null, Action<WebApplicationBuilder>? builder = null)
    {
        // PublicUrl must name the real port, so the port is bound (port 0, read back) before the app is built.
        LoopbackPort? reserved = null;
        if (!settings.TryGetValue("Kindred:PublicUrl", out var publicUrl) || publicUrl is null)
        {
            reserved = LoopbackPort.Reserve();
            publicUrl = reserved.Origin;
            settings["Kindred:PublicUrl"] = publicUrl;
        }

        // A deliberately malformed PublicUrl (configuration tests) still needs somewhere to listen; "Test:ListenUrl" is where
        // a server behind a (simulated) reverse proxy listens while its PublicUrl names the proxy.
        var address = settings.TryGetValue(ListenUrlSetting, out var listen) && listen is not null ? new Uri(listen)
            : Uri.TryCreate(publicUrl, UriKind.Absolute, out var parsed) && parsed.Port > 0 && parsed.Scheme == "http" ? parsed
            : new Uri((reserved = LoopbackPort.Reserve()).Origin);
        try
        {
            var app = KindredApp.Build(["--urls", $"http://{address.Host}:{address.Port}"], b =>
            {
                b.Configuration.AddInMemoryCollection(settings);
                builder?.Invoke(b);
            });
            await app.PrepareAsync();
            await app.StartAsync();
            return new KindredTestServer(app, address, tempDirectory, database, settings);
        }
        catch
        {
            reserved?.Dispose();
            throw;
        }
    }

    public WebSession NewSession() => new(BaseAddress);

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        LoopbackPort.Release(BaseAddress);
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
