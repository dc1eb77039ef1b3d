using Kindred.Server.Web;
using Kindred.Server.Configuration;
using System.Net;
using Kindred.Server.Hosting;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// The built server as an operator starts it: where it listens, and what a bad set-up prints (one line on standard
/// error, exit code 2, no stack trace).
/// </summary>
public sealed class StartupTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kindred-start-" + Guid.NewGuid().ToString("N"));

    public StartupTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private Dictionary<string, string> Env(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["Kindred__PublicUrl"] = "https://support.example.org",
            ["Kindred__DataDirectory"] = Path.Combine(_dir, "data"),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{KindredTestServer.FreePort()}",
        };
        foreach (var (k, v) in extra)
        {
            env[k] = v;
        }

        return env;
    }

    private static async Task<string> FailsWithOneLineAsync(Dictionary<string, string> env)
    {
        await using var server = ServerProcess.Start(env);
        var code = await server.ExitCodeAsync();
        Assert.True(code == 2, $"exit code {code}\n{server.Output}\n{server.Error}");
        var lines = server.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.DoesNotContain(server.Error + server.Output, "   at ", StringComparison.Ordinal); // no stack trace
        return Assert.Single(lines);
    }

    [Fact]
    public async Task The_server_listens_where_ASPNETCORE_URLS_says_and_logs_ready_once_it_does()
    {
        var port = KindredTestServer.FreePort();
        await using var server = ServerProcess.Start(Env(("ASPNETCORE_URLS", $"http://127.0.0.1:{port}")));
        await server.WaitForOutputAsync("Kindred ready");
        Assert.Contains($"listening on http://127.0.0.1:{port}", server.Output);
        Assert.True(server.Output.IndexOf("Now listening on", StringComparison.Ordinal) < server.Output.IndexOf("Kindred ready", StringComparison.Ordinal));
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode);
    }

    [Fact]
    public async Task ASPNETCORE_HTTP_PORTS_is_honoured_too()
    {
        var port = KindredTestServer.FreePort();
        var env = Env(("ASPNETCORE_HTTP_PORTS", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        env.Remove("ASPNETCORE_URLS");
        await using var server = ServerProcess.Start(env);
        await server.WaitForOutputAsync("Kindred ready");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_port_in_use_is_one_line()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var line = await FailsWithOneLineAsync(Env(("ASPNETCORE_URLS", $"http://127.0.0.1:{port}")));
        Assert.Contains($"127.0.0.1:{port}", line);
        Assert.Contains("Another program is using that port", line);
    }

    [Fact]
    public async Task An_unwritable_data_directory_is_named()
    {
        var file = Path.Combine(_dir, "not-a-directory");
        await File.WriteAllTextAsync(file, "");
        var line = await FailsWithOneLineAsync(Env(("Kindred__DataDirectory", Path.Combine(file, "data"))));
        Assert.Contains("cannot write to its data directory " + Path.Combine(file, "data"), line);
    }

    [Theory]
    [InlineData("Kindred__Security__Argon2Passes", "three", "Kindred:Security:Argon2Passes")]
    [InlineData("Kindred__Federation__RemoteGroupRefreshMinutes", "1 day", "Kindred:Federation:RemoteGroupRefreshMinutes")]
    [InlineData("Kindred__Database__ConnectionString", "this is not one", "ConnectionString is not a valid connection string")]
    [InlineData("Kindred__ReverseProxy__TrustedNetworks__0", "10.0.0.1", "TrustedNetworks:0 '10.0.0.1' is not a network")]
    [InlineData("Kindred__ReverseProxy__TrustedProxies__0", "proxy.internal", "TrustedProxies:0 'proxy.internal' is not an IP address")]
    [InlineData("Kindred__PublicUrl", "http://support.example.org", "is plain http")]
    public async Task A_bad_setting_is_one_line_naming_it(string key, string value, string expected)
    {
        var env = Env((key, value));
        if (key.Contains("ConnectionString", StringComparison.Ordinal))
        {
            env["Kindred__Database__Provider"] = "postgres";
        }

        await using var server = ServerProcess.Start(env);
        Assert.Equal(2, await server.ExitCodeAsync());
        Assert.Contains(expected, server.Error);
        Assert.DoesNotContain("   at ", server.Error + server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_JSON_in_a_settings_file_is_one_line()
    {
        var environment = "Broken" + Guid.NewGuid().ToString("N")[..8];
        var file = Path.Combine(AppContext.BaseDirectory, $"appsettings.{environment}.json");
        await File.WriteAllTextAsync(file, "{ \"Kindred\": { \"InstanceName\": \"Ours\", }");
        try
        {
            var line = await FailsWithOneLineAsync(Env(("ASPNETCORE_ENVIRONMENT", environment)));
            Assert.Contains($"appsettings.{environment}.json", line);
            Assert.Contains("not valid JSON", line);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_unreachable_database_is_one_line()
    {
        var line = await FailsWithOneLineAsync(Env(("Kindred__Database__Provider", "postgres"),
            ("Kindred__Database__ConnectionString", $"Host=127.0.0.1;Port={KindredTestServer.FreePort()};Database=k;Username=k;Password=k;Timeout=5")));
        Assert.Contains("database could not be reached", line);
        Assert.DoesNotContain("Password", line);
    }

    [Theory]
    [InlineData("Production", false)]
    [InlineData("Development", true)]
    public void Plain_http_on_a_public_host_is_only_for_development(string environment, bool allowed)
    {
        var env = new Environment(environment);
        var result = new KindredOptionsValidator(env).Validate(null, new KindredOptions { PublicUrl = "http://support.example.org" });
        Assert.Equal(allowed, result.Succeeded);
        Assert.True(new KindredOptionsValidator(env).Validate(null, new KindredOptions { PublicUrl = "http://localhost:8080" }).Succeeded);
    }

    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "Kindred.Server";
        public string ContentRootPath { get; set; } = "";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
