using Kindred.Server.Configuration;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Features.Accounts;

using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Tests.Foundation;

/// <summary>
/// Sign-in throttling by account AND address (issue 18 item 6, issue 11 item 7). Requests come through loopback, a
/// trusted proxy, with X-Forwarded-For naming the client address each test chooses (documentation ranges).
/// </summary>
public abstract class SignInLockoutTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task A_stranger_cannot_lock_the_owner_out_of_an_address_they_signed_in_from_before()
    {
        var name = await Accounts.RegisterAsync(Server);
        var home = Address.Next();
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(name, Accounts.Password, home)).StatusCode);

        var stranger = Address.Next();
        for (var i = 0; i < 5; i++)
        {
            await TokenAsync(name, "not the password at all", stranger);
        }

        // The stranger's address is paused for this account, even with the right password now...
        var paused = await TokenAsync(name, Accounts.Password, stranger);
        Assert.Equal(HttpStatusCode.Unauthorized, paused.StatusCode);
        Assert.Contains("paused", await paused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // ...but the owner, at home, signs in.
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(name, Accounts.Password, home)).StatusCode);
        // And so does anyone else with the password from another address the account has not been attacked from.
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(name, Accounts.Password, Address.Next())).StatusCode);
    }

    [Fact]
    public async Task Wrong_passwords_from_many_addresses_pause_the_account_for_new_addresses_only_and_admins_can_see_it_in_the_log()
    {
        var name = await Accounts.RegisterAsync(Server);
        var home = Address.Next();
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(name, Accounts.Password, home)).StatusCode);
        var perAccount = Server.Get<IOptions<KindredOptions>>().Value.Security.MaxFailedSignInsPerAccount;
        for (var i = 0; i < perAccount; i++)
        {
            await TokenAsync(name, "still not the password", Address.Next());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(name, Accounts.Password, Address.Next())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(name, Accounts.Password, home)).StatusCode);

        // No address is stored in the clear.
        await using var c = await Server.Get<Database>().OpenAsync();
        var keys = (await c.QueryAsync<string>("SELECT address_key FROM sign_in_addresses")).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.Matches("^[0-9a-f]{32}$", k));
    }

    [Fact]
    public async Task An_IPv6_client_counts_as_its_64_prefix()
    {
        var name = await Accounts.RegisterAsync(Server);
        var prefix = Address.NextV6Prefix();
        for (var i = 1; i <= 5; i++)
        {
            await TokenAsync(name, "wrong again and again", $"{prefix}:{i:x}"); // five addresses, one /64
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await TokenAsync(name, Accounts.Password, $"{prefix}:ffff")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await TokenAsync(name, Accounts.Password, Address.NextV6Prefix() + ":1")).StatusCode);
    }

    private async Task<HttpResponseMessage> TokenAsync(string name, string password, string address)
    {
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return await http.PostAsJsonAsync("/api/v1/auth/token", new { username = name, password });
    }
}

/// <summary>Client addresses no other test uses (documentation ranges, so nothing real).</summary>
internal static class Address
{
    private static int _next;

    public static string Next()
    {
        var n = Interlocked.Increment(ref _next);
        return $"198.51.{100 + ((n >> 8) % 2)}.{n & 0xff}";
    }

    public static string NextV6Prefix() => $"2001:db8:{Interlocked.Increment(ref _next):x}:1:0:0:0";
}

/// <summary>Lockouts (default counts) without the per-account and per-address rates in the way (they have their own tests).</summary>
public abstract class LockoutServer<TBase> : ServerFixture where TBase : ServerFixture, new()
{
    public override DatabaseKind Database => new TBase().Database;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Kindred:Security:MaxFailedSignIns"] = "5";
        settings["Kindred:Security:MaxFailedSignInsPerAccount"] = "20";
    }
}

public sealed class LockoutSqliteServer : LockoutServer<SqliteServer>;

public sealed class LockoutPostgresServer : LockoutServer<PostgresServer>;

public sealed class SignInLockoutTestsOnSqlite(LockoutSqliteServer f) : SignInLockoutTests<LockoutSqliteServer>(f);

public sealed class SignInLockoutTestsOnPostgres(LockoutPostgresServer f) : SignInLockoutTests<LockoutPostgresServer>(f);

/// <summary>The default rates (30 a minute per address after a burst of 60, 10 a minute per account) and a 2-slot hasher.</summary>
public sealed class DefaultLimitsServer : SqliteServer
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Kindred:Security:SignInAttemptsPerMinute"] = "30";
        settings["Kindred:Security:SignInBurstPerAddress"] = "60";
        settings["Kindred:Security:SignInAttemptsPerAccountPerMinute"] = "10";
        settings["Kindred:Security:MaxConcurrentPasswordHashes"] = "2";
    }
}

public sealed class SignInRateTests(DefaultLimitsServer fixture) : IClassFixture<DefaultLimitsServer>
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task A_venue_on_one_WiFi_can_all_sign_in()
    {
        var names = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            names.Add(await Accounts.RegisterAsync(Server));
        }

        var venue = Address.Next();
        foreach (var name in names)
        {
            // Some mistype first.
            if (names.IndexOf(name) % 4 == 0)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await Token(name, "a typo in it", venue)).StatusCode);
            }

            Assert.Equal(HttpStatusCode.OK, (await Token(name, Accounts.Password, venue)).StatusCode);
        }
    }

    [Fact]
    public async Task Beyond_the_burst_an_address_gets_429_explained_per_client_and_other_addresses_do_not()
    {
        var prefix = Address.NextV6Prefix();
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 70; i++)
        {
            answers.Add(await Token(Accounts.UniqueName("nobody"), "whatever it is", $"{prefix}:{i + 1:x}"));
        }

        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, a.StatusCode.ToString()));
        Assert.Equal("application/problem+json", limited[0].Content.Headers.ContentType?.MediaType);
        Assert.True(limited[0].Headers.RetryAfter?.Delta > TimeSpan.Zero);

        // A browser from that network gets a page that says what happened, and when to come back.
        using var browser = new HttpClient { BaseAddress = Server.BaseAddress };
        browser.DefaultRequestHeaders.Add("X-Forwarded-For", $"{prefix}:abcd");
        browser.DefaultRequestHeaders.Add("Accept", "text/html");
        HttpResponseMessage page;
        var tries = 0;
        do
        {
            // (Should the bucket have been refilled meanwhile, these few use it up again.)
            page = await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "x", ["password"] = "y" }));
        }
        while (page.StatusCode != HttpStatusCode.TooManyRequests && ++tries < 20);

        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.True(page.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        var html = await WebSession.ParseAsync(page);
        Assert.Contains("Please wait", html.Text("main h1"), StringComparison.Ordinal);
        Assert.NotNull(html.Document.QuerySelector("main a[href='/help/urgent']"));

        // Another network is not affected.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Token(Accounts.UniqueName("nobody"), "whatever it is", Address.NextV6Prefix() + ":1")).StatusCode);
    }

    [Fact]
    public async Task Guessing_one_account_from_many_addresses_is_slowed_per_account_but_not_for_its_owner_at_home()
    {
        var name = await Accounts.RegisterAsync(Server);
        var home = Address.Next();
        Assert.Equal(HttpStatusCode.OK, (await Token(name, Accounts.Password, home)).StatusCode);

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 14; i++)
        {
            statuses.Add(await Token(name, "guess number " + i, Address.Next()));
        }

        var limited = statuses.Where(s => s.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.True(limited[0].Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("many attempts", (await limited[0].Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Token(name, Accounts.Password, home)).StatusCode);
    }

    [Fact]
    public async Task Parallel_sign_ins_never_hash_more_than_the_bound_at_once_and_never_fail_with_5xx()
    {
        var names = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Accounts.RegisterAsync(Server)));
        var attempts = Enumerable.Range(0, 40).Select(i => Token(names[i % names.Length], "wrong " + i, Address.Next()));
        var answers = await Task.WhenAll(attempts);
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, a.StatusCode.ToString()));
        Assert.InRange(Server.Get<PasswordHasher>().MostAtOnce, 1, 2);
    }

    private async Task<HttpResponseMessage> Token(string name, string password, string address)
    {
        using var http = new HttpClient { BaseAddress = Server.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return await http.PostAsJsonAsync("/api/v1/auth/token", new { username = name, password });
    }
}

public sealed class PasswordHasherGateTests
{
    [Fact]
    public async Task The_hasher_runs_at_most_its_bound_of_derivations_at_once()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), io);
        var hasher = new PasswordHasher(Options.Create(new KindredOptions
        {
            Security = new SecurityOptions { Argon2MemoryKiB = 8192, Argon2Passes = 1, MaxConcurrentPasswordHashes = 2, MaxQueuedPasswordHashes = 64 },
        }));
        var stored = hasher.Hash("the right one");
        var results = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(() => hasher.VerifyAsync(i % 2 == 0 ? "the right one" : "wrong", stored, CancellationToken.None))));
        Assert.Equal(12, results.Count(r => r));
        Assert.InRange(hasher.MostAtOnce, 1, 2);
    }
}
