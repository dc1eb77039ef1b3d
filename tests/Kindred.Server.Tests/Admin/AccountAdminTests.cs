using System.Net;
using System.Text.Json;
using Dapper;
using Kindred.Server.Cli;
using Kindred.Server.Data;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Admin;

/// <summary>
/// Instance admins (issue 12): the account list with search and filters, suspending and unsuspending a local account with a
/// reason and an end (API and CLI), each recorded in the moderation log; nobody else may.
/// </summary>
public abstract class AccountAdminTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private async Task<HttpStatusCode> TokenStatusAsync(string name)
    {
        using var session = Server.NewSession();
        return (await session.PostJsonAsync("/api/v1/auth/token", new { username = name, password = Accounts.Password })).StatusCode;
    }

    private static async Task<Guid> IdAsync(GroupRig rig, GroupRig.Person admin, string name)
    {
        var list = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/admin/accounts?q={name}", admin.Token);
        return list.GetProperty("items").EnumerateArray().Single(a => a.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task An_admin_suspends_and_unsuspends_a_member_with_a_reason_and_nobody_else_can()
    {
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        var member = await rig.MemberAsync();
        var other = await rig.MemberAsync();
        var id = await IdAsync(rig, admin, member.Name);

        // Only admins: a member gets 403 for the list and for suspending.
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Get, "/api/v1/admin/accounts", other.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/admin/accounts/{id}/suspend", other.Token, new { reason = "x" })).StatusCode);

        // Bad input names the field.
        var noReason = await rig.SendAsync(HttpMethod.Post, $"/api/v1/admin/accounts/{id}/suspend", admin.Token, new { reason = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var past = await rig.SendAsync(HttpMethod.Post, $"/api/v1/admin/accounts/{id}/suspend", admin.Token, new { reason = "spam", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("expiresAt", await past.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/admin/accounts/{Guid.NewGuid()}/suspend", admin.Token, new { reason = "x" })).StatusCode);

        var until = DateTimeOffset.UtcNow.AddDays(7);
        var suspended = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/admin/accounts/{id}/suspend", admin.Token, new { reason = "Harassing members", expiresAt = until });
        Assert.Equal("suspended", suspended.GetProperty("status").GetString());
        Assert.Equal("Harassing members", suspended.GetProperty("suspendedReason").GetString());

        // The member's token stops working at once, and they cannot get a new one or sign in.
        Assert.Equal(HttpStatusCode.Unauthorized, (await rig.SendAsync(HttpMethod.Get, "/api/v1/accounts/me", member.Token)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, await TokenStatusAsync(member.Name));

        // The filter finds them; the moderation log has the decision.
        var filtered = await rig.JsonAsync(HttpMethod.Get, "/api/v1/admin/accounts?status=suspended", admin.Token);
        Assert.Contains(filtered.GetProperty("items").EnumerateArray(), a => a.GetProperty("name").GetString() == member.Name);
        Assert.DoesNotContain(filtered.GetProperty("items").EnumerateArray(), a => a.GetProperty("name").GetString() == other.Name);
        Assert.Equal(HttpStatusCode.BadRequest, (await rig.SendAsync(HttpMethod.Get, "/api/v1/admin/accounts?origin=moon", admin.Token)).StatusCode);

        var unsuspended = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/admin/accounts/{id}/unsuspend", admin.Token);
        Assert.Equal("active", unsuspended.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(member.Name));
        Assert.Equal(HttpStatusCode.Conflict, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/admin/accounts/{id}/unsuspend", admin.Token)).StatusCode);

        await using var c = await Server.Get<Database>().OpenAsync();
        var actions = (await c.QueryAsync<string>("SELECT action FROM moderation_log WHERE target_id = @id ORDER BY id", new { id = id.ToString() })).ToList();
        Assert.Equal(["account.suspended", "account.unsuspended"], actions);
    }

    [Fact]
    public async Task The_CLI_suspends_and_unsuspends_and_an_expired_suspension_is_lifted_at_sign_in()
    {
        var rig = new GroupRig(Server);
        var member = await rig.MemberAsync();
        async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
        {
            var all = args.Concat(Server.Settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}")).ToArray();
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await AdminCli.RunAsync(all, new StringReader(""), stdout, stderr);
            return (code, stdout.ToString(), stderr.ToString());
        }

        var suspend = await RunAsync("admin", "suspend", "--username", member.Name, "--reason", "Spam");
        Assert.True(suspend.Code == 0, suspend.Err);
        Assert.NotEqual(HttpStatusCode.OK, await TokenStatusAsync(member.Name));
        var unknown = await RunAsync("admin", "suspend", "--username", "nobody-here", "--reason", "Spam");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("no account", unknown.Err, StringComparison.Ordinal);

        var lift = await RunAsync("admin", "unsuspend", "--username", member.Name);
        Assert.True(lift.Code == 0, lift.Err);
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(member.Name));

        // A suspension that has ended: the next sign-in lifts it (the end is set in the past behind the API's back,
        // standing in for time passing).
        Assert.Equal(0, (await RunAsync("admin", "suspend", "--username", member.Name, "--reason", "Cooling off", "--until", DateTimeOffset.UtcNow.AddDays(1).ToString("O"))).Code);
        Assert.NotEqual(HttpStatusCode.OK, await TokenStatusAsync(member.Name));
        await using (var c = await Server.Get<Database>().OpenAsync())
        {
            await c.ExecuteAsync("UPDATE users SET suspended_until = @past WHERE username_normalized = @name",
                new { past = DateTimeOffset.UtcNow.AddMinutes(-1), name = member.Name.ToLowerInvariant() });
        }

        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync(member.Name));
    }

    [Fact]
    public async Task The_list_searches_local_names_and_lists_remote_people_we_know()
    {
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        var member = await rig.MemberAsync();
        var found = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/admin/accounts?q={member.Name.ToUpperInvariant()}", admin.Token);
        var item = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal("local", item.GetProperty("origin").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("actor").ValueKind);

        // A wildcard in the search matches only itself.
        var none = await rig.JsonAsync(HttpMethod.Get, "/api/v1/admin/accounts?q=%25", admin.Token);
        Assert.Empty(none.GetProperty("items").EnumerateArray());

        await using (var c = await Server.Get<Database>().OpenAsync())
        {
            await c.ExecuteAsync("""
                INSERT INTO remote_actors (id, actor_type, preferred_username, inbox, shared_inbox, document, fetched_at, expires_at)
                VALUES (@id, 'Person', 'faraway', NULL, NULL, '{}', @now, @now)
                """, new { id = "https://elsewhere.example/users/faraway", now = DateTimeOffset.UtcNow });
        }

        var remote = await rig.JsonAsync(HttpMethod.Get, "/api/v1/admin/accounts?origin=remote&q=faraway", admin.Token);
        var person = Assert.Single(remote.GetProperty("items").EnumerateArray());
        Assert.Equal("faraway@elsewhere.example", person.GetProperty("name").GetString());
        Assert.Equal("elsewhere.example", person.GetProperty("origin").GetString());
        Assert.Equal("https://elsewhere.example/users/faraway", person.GetProperty("actor").GetString());
    }
}

public sealed class AccountAdminTestsOnSqlite(SqliteServer f) : AccountAdminTests<SqliteServer>(f);

public sealed class AccountAdminTestsOnPostgres(PostgresServer f) : AccountAdminTests<PostgresServer>(f);
