using System.Net;
using System.Text.Json;
using Dapper;
using Kindred.Server.Data.Jobs;
using Kindred.Server.Features.DataRights;
using Kindred.Server.Tests.GroupFederation;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.DataRights;

/// <summary>
/// "Delete my account" (issue 14): the password, the grace period and its undo (signing in, or restore), and the erasure
/// itself: tombstones, reactions withdrawn, memberships ended, the account scrubbed, and a Delete of the Person queued
/// for the servers that received the member's activities, recorded per server; run again, it changes and sends nothing.
/// </summary>
public abstract class ErasureTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task Asking_needs_the_password_ends_every_session_and_a_second_ask_or_a_restore_answer_with_the_waiting_one()
    {
        var rig = new GroupRig(Server);
        var member = await rig.MemberAsync();

        var wrong = await rig.SendAsync(HttpMethod.Delete, "/api/v1/accounts/me", member.Token, new { password = "not my password" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var empty = await rig.SendAsync(HttpMethod.Delete, "/api/v1/accounts/me", member.Token);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);

        var before = DateTimeOffset.UtcNow;
        var first = await rig.JsonAsync(HttpMethod.Delete, "/api/v1/accounts/me", member.Token, new { password = Accounts.Password }, HttpStatusCode.Accepted);
        Assert.Equal("pending", first.GetProperty("state").GetString());
        var effective = first.GetProperty("effectiveAt").GetDateTimeOffset();
        Assert.InRange(effective, before.AddDays(14).AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(14).AddMinutes(1));

        // Every session and token ended.
        Assert.Equal(HttpStatusCode.Unauthorized, (await rig.SendAsync(HttpMethod.Get, "/api/v1/accounts/me", member.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await member.Web.Http.GetAsync("/account")).StatusCode);

        // A new token (which does not undo it) asks again: the waiting one is the answer.
        var token = await Accounts.TokenAsync(Server, member.Name);
        var state = await rig.JsonAsync(HttpMethod.Get, "/api/v1/accounts/me/erasure", token);
        Assert.Equal(first.GetProperty("id").GetGuid(), state.GetProperty("id").GetGuid());
        var again = await rig.JsonAsync(HttpMethod.Delete, "/api/v1/accounts/me", token, new { password = Accounts.Password }, HttpStatusCode.Accepted);
        Assert.Equal(first.GetProperty("id").GetGuid(), again.GetProperty("id").GetGuid());
        Assert.Equal(effective, again.GetProperty("effectiveAt").GetDateTimeOffset());

        token = await Accounts.TokenAsync(Server, member.Name);
        var restored = await rig.JsonAsync(HttpMethod.Post, "/api/v1/accounts/me/restore", token);
        Assert.Equal("cancelled", restored.GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, "/api/v1/accounts/me/erasure", token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, "/api/v1/accounts/me/restore", token)).StatusCode);
    }

    [Fact]
    public async Task Signing_in_on_the_web_within_the_grace_period_keeps_the_account()
    {
        var rig = new GroupRig(Server);
        var member = await rig.MemberAsync();
        var page = await member.Web.GetAsync("/account/delete");
        Assert.Contains("best-effort", page.Document.Body!.TextContent, StringComparison.Ordinal);

        var unticked = await member.Web.SubmitAsync(page, "/account/delete", new Dictionary<string, string> { ["password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.BadRequest, unticked.StatusCode);

        var asked = await member.Web.SubmitAsync("/account/delete", "/account/delete",
            new Dictionary<string, string> { ["password"] = Accounts.Password, ["understood"] = "true" });
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Contains("Sign in", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(await Server.Get<AccountErasures>().OpenAsync((await Server.Get<Features.Accounts.UserStore>().FindByUsernameAsync(member.Name))!.Id));

        using var web = Server.NewSession();
        var signIn = await web.SubmitAsync("/signin", "/signin", new Dictionary<string, string> { ["username"] = member.Name, ["password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/account?notice=erasure-cancelled", signIn.Headers.Location?.OriginalString);
        Assert.Null(await Server.Get<AccountErasures>().OpenAsync((await Server.Get<Features.Accounts.UserStore>().FindByUsernameAsync(member.Name))!.Id));
    }

    [Fact]
    public async Task The_erasure_leaves_tombstones_withdraws_reactions_ends_memberships_tells_other_servers_and_can_run_again()
    {
        var fed = new GroupFedRig(Server);
        var rig = fed.Groups;
        using var remote = new FakeRemote();
        var admin = await rig.AdminAsync();
        var slug = await fed.GroupAsync(admin);
        await fed.FollowAsync(remote, slug);
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);
        var thread = await rig.ThreadAsync(member, slug, "My story", "Something I have never told anyone.");
        var adminsThread = await rig.ThreadAsync(admin, slug, "Check-in", "How is everyone?");
        var reply = await rig.ReplyAsync(member, adminsThread, "Not great, honestly.");
        var answer = await rig.ReplyAsync(admin, thread, "Thank you for telling us.");
        Assert.Equal(HttpStatusCode.OK, (await rig.SendAsync(HttpMethod.Put, $"/api/v1/posts/{adminsThread}/reaction", member.Token)).StatusCode);
        var userId = (await Server.Get<Features.Accounts.UserStore>().FindByUsernameAsync(member.Name))!.Id;
        var actor = Server.Get<ActorUrls>().User(member.Name);

        // An admin erases it at once (as when someone asks by e-mail).
        var form = await admin.Web.GetAsync("/admin/erasures");
        var erased = await admin.Web.SubmitAsync(form, "/admin/erasures", new Dictionary<string, string> { ["username"] = member.Name, ["confirm"] = "true" });
        Assert.Equal(HttpStatusCode.Redirect, erased.StatusCode);
        AccountErasure? done = null;
        await Eventually.UntilAsync("the erasure to finish", async () =>
            (done = await Server.Get<AccountErasures>().FindAsync((await LatestAsync(userId))!.Value)) is { State: AccountErasures.States.Done },
            async () =>
            {
                await using var c = await fed.OpenAsync();
                return string.Join("\n", await c.QueryAsync<string>("SELECT state || ' ' || COALESCE(last_error, '') FROM jobs WHERE kind = 'accounts.erase'"));
            });

        // Tombstones keep the threads readable; the words are gone.
        var t = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", admin.Token);
        Assert.DoesNotContain("never told anyone", t.ToString(), StringComparison.Ordinal);
        Assert.Contains("Thank you for telling us.", t.ToString(), StringComparison.Ordinal);
        var other = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{adminsThread}", admin.Token);
        Assert.DoesNotContain("Not great, honestly.", other.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, other.GetProperty("thread").GetProperty("reactionCount").GetInt32());

        // Memberships ended, the account scrubbed and closed for good.
        var members = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/members", admin.Token);
        Assert.DoesNotContain(member.Name, members.ToString(), StringComparison.Ordinal);
        using (var session = Server.NewSession())
        {
            var response = await session.PostJsonAsync("/api/v1/auth/token", new { username = member.Name, password = Accounts.Password });
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await using (var c = await fed.OpenAsync())
        {
            var email = await c.QuerySingleAsync<string>("SELECT email FROM users WHERE id = @userId", new { userId });
            Assert.DoesNotContain(member.Name, email, StringComparison.Ordinal);
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM notifications WHERE user_id = @userId", new { userId }));
            Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM post_likes WHERE user_id = @userId", new { userId }));
        }

        // Other servers: the Delete of the Person to the group's remote follower, signed by the member; the posts' Deletes too.
        var sharedInbox = new Uri(remote.Origin, "/inbox");
        var jobs = (await fed.JobsAsync(actor, sharedInbox)).Select(GroupFedRig.Parse).ToList();
        var delete = Assert.Single(jobs, j => (string?)j["type"] == "Delete" && j["object"] is System.Text.Json.Nodes.JsonValue v && v.ToString() == actor.AbsoluteUri);
        Assert.Equal(done!.DeleteActivityId, (string?)delete["id"]);
        Assert.Contains(jobs, j => (string?)j["type"] == "Delete" && j["object"]?.ToJsonString().Contains(thread.ToString(), StringComparison.Ordinal) == true);

        // Recorded per server, for admins.
        var list = await rig.JsonAsync(HttpMethod.Get, "/api/v1/admin/erasures", admin.Token);
        var record = list.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("id").GetGuid() == done.Id);
        Assert.Equal("done", record.GetProperty("state").GetString());
        Assert.Contains(record.GetProperty("servers").EnumerateArray(), s => s.GetProperty("server").GetString() == Hosts.Authority(remote.Origin));
        var page = await admin.Web.GetAsync("/admin/erasures");
        Assert.Contains(Hosts.Authority(remote.Origin), page.Document.Body!.TextContent, StringComparison.Ordinal);

        // A restart in the middle runs the job again: it finishes and sends nothing twice.
        await using (var c = await fed.OpenAsync())
        {
            await c.ExecuteAsync("UPDATE account_erasures SET state = 'erasing' WHERE id = @id", new { id = done.Id });
        }

        var countBefore = (await fed.JobsAsync(actor)).Count;
        await Server.Get<AccountErasures>().RunAsync(new Job { Id = Guid.NewGuid(), Kind = AccountErasures.EraseJob, Payload = done.Id.ToString(), Attempts = 2, MaxAttempts = 50 },
            TestContext.Current.CancellationToken);
        Assert.Equal("done", (await Server.Get<AccountErasures>().FindAsync(done.Id))!.State);
        Assert.Equal(countBefore, (await fed.JobsAsync(actor)).Count);
        _ = answer;
        _ = reply;
    }

    private async Task<Guid?> LatestAsync(Guid userId)
    {
        await using var c = await Server.Get<Kindred.Server.Data.Database>().OpenAsync();
        return await c.QuerySingleOrDefaultAsync<Guid?>("SELECT id FROM account_erasures WHERE user_id = @userId ORDER BY requested_at DESC LIMIT 1", new { userId });
    }
}

public sealed class ErasureTestsOnSqlite(FederatedSqliteServer f) : ErasureTests<FederatedSqliteServer>(f);

public sealed class ErasureTestsOnPostgres(FederatedPostgresServer f) : ErasureTests<FederatedPostgresServer>(f);
