using System.Net;
using System.Text.RegularExpressions;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// docs/deploy/compose.yaml, tested without a Docker engine (issue 20): the Kindred service's own settings, read from the
/// file, run the built server on PostgreSQL; a request as Caddy forwards it (original Host, X-Forwarded-Proto/For) gets
/// working pages and forms, /readyz says Healthy, logs are JSON. Only what cannot exist here is replaced: the database
/// host (the test cluster), the listening address (loopback instead of the container's 8080) and Caddy's network (the
/// test client on loopback stands for Caddy, so loopback takes the place of the compose network, whose subnet must be
/// the one the file trusts).
/// </summary>
public sealed partial class ComposeSettingsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kindred-compose-" + Guid.NewGuid().ToString("N"));

    public ComposeSettingsTests() => Directory.CreateDirectory(_dir);

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

    private static string Compose()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "docs", "deploy", "compose.yaml");
            if (File.Exists(Path.Combine(dir.FullName, "Federation.sln")) && File.Exists(file))
            {
                return File.ReadAllText(file);
            }
        }

        throw new InvalidOperationException("docs/deploy/compose.yaml not found above the test's folder.");
    }

    /// <summary>The kindred service's environment: the indented "Key: value" lines under its "environment:".</summary>
    private static Dictionary<string, string> KindredEnvironment(string compose)
    {
        var service = ServiceBlock().Match(compose);
        Assert.True(service.Success, "compose.yaml has no 'kindred:' service");
        var env = EnvironmentBlock().Match(service.Value);
        Assert.True(env.Success, "the kindred service has no environment");
        return EnvironmentLine().Matches(env.Groups["lines"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value.Trim());
    }

    [Fact]
    public async Task The_compose_settings_run_a_working_instance_behind_a_proxy()
    {
        if (await PostgresCluster.UnavailableAsync() is { } reason)
        {
            Assert.SkipWhen(!PostgresCluster.Required, reason);
        }

        var compose = Compose();
        var env = KindredEnvironment(compose);
        Assert.Equal("postgres", env["Kindred__Database__Provider"]);
        Assert.Equal("https://${KINDRED_DOMAIN:?set KINDRED_DOMAIN in .env}", env["Kindred__PublicUrl"]);
        // Kindred trusts exactly the network Caddy reaches it from.
        var trusted = env["Kindred__ReverseProxy__TrustedNetworks__0"];
        Assert.Contains($"subnet: {trusted}", compose, StringComparison.Ordinal);

        var (cs, unavailable) = await PostgresCluster.CreateDatabaseAsync();
        Assert.True(cs is not null, unavailable);
        var port = KindredTestServer.FreePort();
        var run = env.ToDictionary(kv => kv.Key, kv => kv.Value.Replace("${KINDRED_DOMAIN:?set KINDRED_DOMAIN in .env}", "support.example.org", StringComparison.Ordinal));
        run["Kindred__Database__ConnectionString"] = cs!;
        run["Kindred__ReverseProxy__TrustedNetworks__0"] = "127.0.0.0/8";
        run["Kindred__DataDirectory"] = Path.Combine(_dir, "data");
        run["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        Assert.DoesNotContain(run.Values, v => v.Contains("${", StringComparison.Ordinal));

        await using var server = ServerProcess.Start(run);
        await server.WaitForOutputAsync("Kindred ready");
        Assert.StartsWith("{", server.Output.TrimStart(), StringComparison.Ordinal); // JSON logs

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        HttpRequestMessage AsCaddy(HttpMethod method, string path)
        {
            var request = new HttpRequestMessage(method, path);
            request.Headers.Host = "support.example.org";
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
            return request;
        }

        var ct = TestContext.Current.CancellationToken;
        var signin = await http.SendAsync(AsCaddy(HttpMethod.Get, "/signin"), ct);
        var html = await signin.Content.ReadAsStringAsync(ct);
        Assert.True(signin.StatusCode == HttpStatusCode.OK, html);
        var csrf = CsrfField().Match(html).Groups["value"].Value;
        Assert.NotEmpty(csrf);
        // Secure __Host- cookies: a browser sends them back over https; Caddy passes them on.
        var cookies = string.Join("; ", signin.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        Assert.Contains("__Host-", cookies, StringComparison.Ordinal);

        var post = AsCaddy(HttpMethod.Post, "/signin");
        post.Headers.Add("Cookie", cookies);
        post.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = csrf, ["username"] = "nobody_here", ["password"] = "not the password" });
        var answer = await http.SendAsync(post, ct);
        var answerHtml = await answer.Content.ReadAsStringAsync(ct);
        Assert.True((int)answer.StatusCode < 500, answerHtml);
        Assert.Contains("That username and password do not match", answerHtml, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(AsCaddy(HttpMethod.Get, "/help/urgent"), ct)).StatusCode);
        var ready = await http.GetAsync("/readyz", ct);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(ct));
    }

    [GeneratedRegex(@"(?ms)^  kindred:\n.*?(?=^  [a-z]+:\n|\Z)")]
    private static partial Regex ServiceBlock();

    [GeneratedRegex(@"(?ms)^    environment:\n(?<lines>(?:^      .*\n)+)")]
    private static partial Regex EnvironmentBlock();

    [GeneratedRegex(@"(?m)^      (?<key>[A-Za-z][A-Za-z0-9_]*): (?<value>.+)$")]
    private static partial Regex EnvironmentLine();

    [GeneratedRegex("name=\"__csrf\" value=\"(?<value>[^\"]+)\"")]
    private static partial Regex CsrfField();
}
