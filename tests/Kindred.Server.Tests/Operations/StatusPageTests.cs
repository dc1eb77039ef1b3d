using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Operations;

/// <summary>
/// The admin status page (issue 20): one place that says whether the instance is well and, when not, what to do:
/// stalled workers, deliveries failing for a day, jobs (mail) giving up, a nearly full disk, secrets, the database.
/// Each test puts back what it changed, so the "all is well" test holds whatever ran before.
/// </summary>
public abstract class StatusPageTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private static readonly (long, long) Roomy = (200L * 1024 * 1024 * 1024, 400L * 1024 * 1024 * 1024);

    private async Task<WebSession> AdminAsync()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        return session;
    }

    private async Task ExecAsync(string sql, object? args = null)
    {
        await using var c = await Server.Get<Database>().OpenAsync();
        await c.ExecuteAsync(sql, args);
    }

    private static Dictionary<string, (string State, string Text)> Rows(WebSession.Page page) =>
        page.Document.QuerySelectorAll("table.status tbody tr").ToDictionary(
            r => r.QuerySelector("th")!.TextContent.Trim(),
            r => (r.QuerySelectorAll("td")[0].TextContent.Trim(), r.QuerySelectorAll("td")[1].TextContent.Trim()));

    [Fact]
    public async Task On_a_healthy_instance_every_check_is_ok()
    {
        Server.Get<DiskSpaceCheck>().Measure = _ => Roomy;
        using var admin = await AdminAsync();
        var page = await admin.GetAsync("/admin/status");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var rows = Rows(page);
        foreach (var title in new[] { "Database and schema", "Reverse proxy", "Incoming federation", "Outgoing deliveries", "Background jobs and mail", "Disk space", "Secrets" })
        {
            Assert.True(rows.TryGetValue(title, out var row), $"no row '{title}': {string.Join(", ", rows.Keys)}");
            Assert.True(row.State == "OK", $"{title}: {row.State}: {row.Text}");
        }

        Assert.Contains("All is well", page.Text(".status-summary"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stalled_jobs_mail_giving_up_and_a_server_failing_for_a_day_need_attention_and_say_what_to_do()
    {
        Server.Get<DiskSpaceCheck>().Measure = _ => Roomy;
        var now = DateTimeOffset.UtcNow;
        var host = $"down-{Guid.NewGuid():N}.example";
        var ids = new { stalled = Guid.NewGuid(), failed = Guid.NewGuid(), delivery = Guid.NewGuid(), retrying = Guid.NewGuid() };
        // A job no node has a handler for stays overdue (as if no worker ran); a mail job gave up an hour ago.
        await ExecAsync("""
            INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, next_attempt_at, created_at)
            VALUES (@stalled, 'status-test.nobody-runs-this', '', 'queued', 0, 5, @hourAgo, @hourAgo);
            INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, next_attempt_at, created_at, finished_at, last_error)
            VALUES (@failed, 'mail', '', 'failed', 5, 5, @hourAgo, @hourAgo, @hourAgo, 'SMTP 535 authentication failed');
            INSERT INTO jobs (id, kind, payload, state, attempts, max_attempts, next_attempt_at, created_at, last_error)
            VALUES (@retrying, 'status-test.retrying', '', 'queued', 3, 12, @later, @hourAgo, 'connection refused');
            """, new { ids.stalled, ids.failed, ids.retrying, hourAgo = now.AddHours(-1), later = now.AddHours(1) });
        // A server that has refused everything for two days (paused by the breaker, so the worker leaves it alone).
        await ExecAsync("""
            INSERT INTO delivery_hosts (host, state, paused_until, consecutive_failures, last_success_at, last_failure_at, last_error)
            VALUES (@host, 'open', @later, 12, @threeDaysAgo, @hourAgo, 'HTTP 503');
            INSERT INTO delivery_jobs (id, activity_id, actor_id, inbox_url, target_host, body, state, attempts, next_attempt_at, give_up_at, created_at)
            VALUES (@delivery, @activity, 'https://here.example/groups/g', @inbox, @host, '{}', 'queued', 12, @later, @later, @twoDaysAgo);
            """, new
        {
            host, ids.delivery, later = now.AddHours(2), threeDaysAgo = now.AddDays(-3), hourAgo = now.AddHours(-1), twoDaysAgo = now.AddDays(-2),
            activity = $"https://here.example/activities/{Guid.NewGuid():N}", inbox = $"https://{host}/inbox",
        });
        try
        {
            using var admin = await AdminAsync();
            var page = await admin.GetAsync("/admin/status");
            var rows = Rows(page);
            Assert.Equal("Needs attention", rows["Background jobs and mail"].State);
            Assert.Contains("overdue", rows["Background jobs and mail"].Text, StringComparison.Ordinal);
            Assert.Contains("mail (1)", rows["Background jobs and mail"].Text, StringComparison.Ordinal);
            Assert.Contains("being retried: status-test.retrying (1)", rows["Background jobs and mail"].Text, StringComparison.Ordinal);
            Assert.Contains("admin mail test", rows["Background jobs and mail"].Text, StringComparison.Ordinal);
            Assert.Equal("Needs attention", rows["Outgoing deliveries"].State);
            Assert.Contains(host, rows["Outgoing deliveries"].Text, StringComparison.Ordinal);
            Assert.Contains("attention", page.Text(".status-summary"), StringComparison.Ordinal);
            // Worst first.
            Assert.NotEqual("OK", page.Document.QuerySelector("table.status tbody tr td")!.TextContent.Trim());
        }
        finally
        {
            await ExecAsync("DELETE FROM jobs WHERE id IN (@stalled, @failed, @retrying)", new { ids.stalled, ids.failed, ids.retrying });
            await ExecAsync("DELETE FROM delivery_jobs WHERE id = @delivery; DELETE FROM delivery_hosts WHERE host = @host", new { ids.delivery, host });
        }
    }

    [Fact]
    public async Task A_nearly_full_disk_is_a_problem_and_the_api_says_so_to_admins_only()
    {
        var disk = Server.Get<DiskSpaceCheck>();
        disk.Measure = _ => (300L * 1024 * 1024, 100L * 1024 * 1024 * 1024);
        try
        {
            var adminName = await Accounts.CreateWithCliAsync(Server, "admin");
            using var http = new HttpClient { BaseAddress = Server.BaseAddress };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Accounts.TokenAsync(Server, adminName));
            var json = JsonDocument.Parse(await http.GetStringAsync("/api/v1/admin/status", TestContext.Current.CancellationToken)).RootElement;
            Assert.Equal("problem", json.GetProperty("state").GetString());
            var diskEntry = json.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "disk");
            Assert.Equal("problem", diskEntry.GetProperty("state").GetString());
            Assert.Contains("Disk almost full", diskEntry.GetProperty("description").GetString(), StringComparison.Ordinal);

            var member = await Accounts.RegisterAsync(Server);
            using var memberHttp = new HttpClient { BaseAddress = Server.BaseAddress };
            memberHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Accounts.TokenAsync(Server, member));
            Assert.Equal(HttpStatusCode.Forbidden, (await memberHttp.GetAsync("/api/v1/admin/status", TestContext.Current.CancellationToken)).StatusCode);
        }
        finally
        {
            disk.Measure = _ => Roomy;
        }
    }
}

public sealed class StatusPageTestsOnSqlite(SqliteServer f) : StatusPageTests<SqliteServer>(f);

public sealed class StatusPageTestsOnPostgres(PostgresServer f) : StatusPageTests<PostgresServer>(f);
