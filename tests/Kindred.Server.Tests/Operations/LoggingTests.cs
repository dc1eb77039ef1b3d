using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// What an operator's log collector reads (issue 20): JSON lines that carry their UTC time, and, when asked for, an
/// access log line per request with method, path, status and duration, never the query string or the client's address.
/// </summary>
public sealed class LoggingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kindred-logs-" + Guid.NewGuid().ToString("N"));

    public LoggingTests() => Directory.CreateDirectory(_dir);

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

    private (Dictionary<string, string> Env, int Port) Env(bool accessLog)
    {
        var port = KindredTestServer.FreePort();
        var env = new Dictionary<string, string>
        {
            ["Kindred__PublicUrl"] = "https://support.example.org",
            ["Kindred__DataDirectory"] = Path.Combine(_dir, "data"),
            ["Kindred__Logging__Format"] = "json",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        };
        if (accessLog)
        {
            env["Kindred__Logging__AccessLog"] = "true";
        }

        return (env, port);
    }

    /// <summary>Every complete line of output, each of which must be JSON (the last one may be cut by the kill).</summary>
    private static List<JsonElement> JsonLines(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var parsed = new List<JsonElement>();
        for (var i = 0; i < lines.Length; i++)
        {
            try
            {
                parsed.Add(JsonDocument.Parse(lines[i]).RootElement.Clone());
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
            }
        }

        return parsed;
    }

    [Fact]
    public async Task Json_log_lines_carry_a_utc_timestamp_and_no_access_log_by_default()
    {
        var (env, port) = Env(accessLog: false);
        await using var server = ServerProcess.Start(env);
        await server.WaitForOutputAsync("Kindred ready");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{port}/healthz?token=secret-value", TestContext.Current.CancellationToken)).StatusCode);
        await server.DisposeAsync();

        var lines = JsonLines(server.Output);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var stamp = line.GetProperty("Timestamp").GetString()!;
            Assert.EndsWith("Z", stamp, StringComparison.Ordinal);
            var at = DateTimeOffset.Parse(stamp, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(Math.Abs((DateTimeOffset.UtcNow - at).TotalHours) < 1, stamp);
        }

        Assert.DoesNotContain("/healthz", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_access_log_names_method_path_status_and_duration_but_not_the_query_or_the_address()
    {
        var (env, port) = Env(accessLog: true);
        await using var server = ServerProcess.Start(env);
        await server.WaitForOutputAsync("Kindred ready");
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/no-such-page?token=secret-value", TestContext.Current.CancellationToken)).StatusCode);
        await server.WaitForOutputAsync("/no-such-page");
        await server.DisposeAsync();

        var line = Assert.Single(JsonLines(server.Output), l => l.GetRawText().Contains("/no-such-page", StringComparison.Ordinal));
        var text = line.GetRawText();
        Assert.Contains("GET", text, StringComparison.Ordinal);
        Assert.Contains("404", text, StringComparison.Ordinal);
        Assert.Contains("Duration", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        Assert.True(line.TryGetProperty("Timestamp", out _));
    }
}
