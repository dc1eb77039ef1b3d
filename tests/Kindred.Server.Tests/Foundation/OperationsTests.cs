using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Foundation;

/// <summary>Health endpoints, restarts, re-hashing, lockout and the sign-in rate limit, on both databases.</summary>
public abstract class OperationsTests(DatabaseKind database)
{
    private async Task<KindredTestServer> StartAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        if (database == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } reason)
        {
            Assert.SkipWhen(!PostgresCluster.Required, reason);
        }

        return await KindredTestServer.StartAsync(database, configure);
    }

    [Fact]
    public async Task Health_endpoints_report_alive_and_ready()
    {
        await using var server = await StartAsync();
        using var session = server.NewSession();
        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/healthz")).StatusCode);
        var ready = await session.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Data_survives_a_restart_and_passwords_are_rehashed_when_parameters_change()
    {
        var server = await StartAsync();
        var name = await Accounts.RegisterAsync(server);
        var settings = server.Settings;
        var user = await server.Get<Features.Accounts.UserStore>().FindByUsernameAsync(name);
        Assert.StartsWith("$argon2id$v=19$m=8192,t=1,p=1$", user!.PasswordHash);
        await server.StopKeepingDataAsync();

        settings["Kindred:Security:Argon2Passes"] = "2";
        await using var restarted = await KindredTestServer.StartWithSettingsAsync(database, settings);
        Assert.NotEmpty(await Accounts.TokenAsync(restarted, name));
        var rehashed = await restarted.Get<Features.Accounts.UserStore>().FindByUsernameAsync(name);
        Assert.StartsWith("$argon2id$v=19$m=8192,t=2,p=1$", rehashed!.PasswordHash);
        Assert.NotEmpty(await Accounts.TokenAsync(restarted, name)); // the new hash verifies too
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_for_a_while()
    {
        await using var server = await StartAsync(s => s["Kindred:Security:MaxFailedSignIns"] = "3");
        var name = await Accounts.RegisterAsync(server);
        using var session = server.NewSession();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await session.PostJsonAsync("/api/v1/auth/token", new { username = name, password = "wrong password " + i })).StatusCode);
        }

        // Even the right password is refused while locked, and the message says why.
        var locked = await session.PostJsonAsync("/api/v1/auth/token", new { username = name, password = Accounts.Password });
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Contains("Too many wrong passwords", (await locked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Sign_in_attempts_are_rate_limited_per_address()
    {
        await using var server = await StartAsync(s =>
        {
            s["Kindred:Security:SignInBurstPerAddress"] = "3";
            s["Kindred:Security:SignInAttemptsPerMinute"] = "3";
        });
        using var session = server.NewSession();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await session.PostJsonAsync("/api/v1/auth/token", new { username = "someone", password = "guess number " + i })).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }
}

public sealed class OperationsTestsOnSqlite() : OperationsTests(DatabaseKind.Sqlite);

public sealed class OperationsTestsOnPostgres() : OperationsTests(DatabaseKind.Postgres);
