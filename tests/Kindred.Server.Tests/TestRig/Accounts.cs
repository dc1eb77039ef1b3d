using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Cli;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.TestRig;

/// <summary>Creating and signing in accounts the way people do it: through the web and the API.</summary>
public static class Accounts
{
    private static int _counter;

    public const string Password = "correct horse battery staple";

    /// <summary>A username no other test in this run uses.</summary>
    public static string UniqueName(string prefix = "member") =>
        $"{prefix}{Environment.ProcessId % 1000}x{Interlocked.Increment(ref _counter)}";

    /// <summary>Registers through the API (open mode) and returns the username.</summary>
    public static async Task<string> RegisterAsync(KindredTestServer server, string? username = null)
    {
        username ??= UniqueName();
        using var session = server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/accounts", new
        {
            username,
            email = $"{username}@example.org",
            password = Password,
            acceptGuidelines = true,
            consentToProcessing = true,
            confirmAge = true,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return username;
    }

    /// <summary>Creates an account with the operator's command line (e.g. an admin).</summary>
    public static async Task<string> CreateWithCliAsync(KindredTestServer server, string role, string? username = null)
    {
        username ??= UniqueName(role);
        var args = new List<string> { "admin", "create-user", "--username", username, "--email", $"{username}@example.org", "--role", role, "--password-stdin" };
        args.AddRange(server.Settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}"));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await AdminCli.RunAsync([.. args], new StringReader(Password + "\n"), stdout, stderr);
        Assert.True(code == 0, $"create-user failed ({code}): {stderr}");
        return username;
    }

    public static async Task<string> TokenAsync(KindredTestServer server, string username, string password = Password)
    {
        using var session = server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/auth/token", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.GetProperty("access_token").GetString()!;
    }

    /// <summary>Signs in through the web form; the session then carries the cookie.</summary>
    public static async Task SignInAsync(WebSession session, string username, string password = Password)
    {
        var response = await session.SubmitAsync("/signin", "/signin", new Dictionary<string, string> { ["username"] = username, ["password"] = password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }
}
