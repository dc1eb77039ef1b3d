using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Reports;

/// <summary>
/// Reports (issue 12): members report posts (to the group's moderators) and people (to the admins); reviewers see what is
/// theirs and never who reported; three different members hide a post until a moderator has looked; permissions per role.
/// </summary>
public abstract class ReportTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private sealed record Setup(GroupRig Rig, GroupRig.Person Owner, GroupRig.Person Moderator, GroupRig.Person Author, GroupRig.Person Reporter, string Slug, Guid Thread, Guid Reply);

    /// <summary>An admin's group with a moderator (not an admin), a member who writes, and a member who reports.</summary>
    private async Task<Setup> SetupAsync()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var moderator = await rig.MemberAsync();
        var author = await rig.MemberAsync();
        var reporter = await rig.MemberAsync();
        foreach (var p in new[] { moderator, author, reporter })
        {
            await rig.JoinAsync(p, slug);
        }

        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}/members/{moderator.Name}", owner.Token, new { role = "moderator" });
        var thread = await rig.ThreadAsync(author, slug, "Rough night", "Buy cheap pills at spam.example");
        var reply = await rig.ReplyAsync(author, thread, "More spam.");
        return new Setup(rig, owner, moderator, author, reporter, slug, thread, reply);
    }

    private static Task<HttpResponseMessage> ReportAsync(GroupRig rig, GroupRig.Person p, object body) => rig.SendAsync(HttpMethod.Post, "/api/v1/reports", p.Token, body);

    private static async Task<List<JsonElement>> ListAsync(GroupRig rig, GroupRig.Person p, string status = "open") =>
        (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/reports?status={status}", p.Token)).GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task A_report_on_a_post_reaches_the_groups_moderators_and_admins_and_nobody_else_and_never_names_the_reporter()
    {
        var s = await SetupAsync();
        var created = await ReportAsync(s.Rig, s.Reporter, new { postId = s.Reply, reason = "spam", comment = "Selling pills." });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        var seen = Assert.Single(await ListAsync(s.Rig, s.Moderator), r => r.GetProperty("id").GetGuid() == id);
        Assert.Equal("post", seen.GetProperty("about").GetString());
        Assert.Equal(s.Author.Name, seen.GetProperty("subject").GetString());
        Assert.Equal("spam", seen.GetProperty("reason").GetString());
        Assert.Equal("Selling pills.", seen.GetProperty("comment").GetString());
        Assert.Equal("local", seen.GetProperty("from").GetString());
        Assert.DoesNotContain(s.Reporter.Name, seen.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(await ListAsync(s.Rig, s.Owner), r => r.GetProperty("id").GetGuid() == id);

        // The reporter, the reported author and an ordinary member see no reports at all.
        Assert.DoesNotContain(await ListAsync(s.Rig, s.Reporter), r => r.GetProperty("id").GetGuid() == id);
        Assert.DoesNotContain(await ListAsync(s.Rig, s.Author), r => r.GetProperty("id").GetGuid() == id);

        // The moderator is told, without a name; the author is told nothing.
        var notes = (await s.Rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", s.Moderator.Token)).GetProperty("items").EnumerateArray().ToList();
        var note = Assert.Single(notes, n => n.GetProperty("kind").GetString() == "report");
        Assert.True(note.GetProperty("actor").ValueKind == JsonValueKind.Null);
        var authorNotes = (await s.Rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", s.Author.Token)).GetProperty("items").EnumerateArray();
        Assert.DoesNotContain(authorNotes, n => n.GetProperty("kind").GetString()!.StartsWith("report", StringComparison.Ordinal));

        // A moderator of another group can neither see it nor resolve it.
        var other = await s.Rig.MemberAsync();
        var otherSlug = await s.Rig.GroupAsync(s.Owner);
        await s.Rig.JoinAsync(other, otherSlug);
        await s.Rig.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{otherSlug}/members/{other.Name}", s.Owner.Token, new { role = "moderator" });
        Assert.DoesNotContain(await ListAsync(s.Rig, other), r => r.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.Forbidden, (await s.Rig.SendAsync(HttpMethod.Post, $"/api/v1/reports/{id}/resolve", other.Token, new { note = "no" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await s.Rig.SendAsync(HttpMethod.Post, $"/api/v1/reports/{id}/resolve", s.Reporter.Token, new { note = "no" })).StatusCode);

        // The group's moderator resolves it, with a note; it moves to the resolved list.
        var resolved = await s.Rig.JsonAsync(HttpMethod.Post, $"/api/v1/reports/{id}/resolve", s.Moderator.Token, new { note = "Removed the link.", forward = false });
        Assert.Equal("resolved", resolved.GetProperty("status").GetString());
        Assert.Equal("Removed the link.", resolved.GetProperty("note").GetString());
        Assert.DoesNotContain(await ListAsync(s.Rig, s.Moderator), r => r.GetProperty("id").GetGuid() == id);
        Assert.Contains(await ListAsync(s.Rig, s.Moderator, "resolved"), r => r.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.Conflict, (await s.Rig.SendAsync(HttpMethod.Post, $"/api/v1/reports/{id}/resolve", s.Moderator.Token, new { note = "again" })).StatusCode);

        // The decision is in the moderation log, once, with the moderator and the note, and without the reporter.
        await using var c = await Server.Get<Kindred.Server.Data.Database>().OpenAsync();
        var logged = (await Dapper.SqlMapper.QueryAsync<(string Action, string? Reason, string? Label)>(c,
            "SELECT action, reason, target_label FROM moderation_log WHERE target_id = @id", new { id = id.ToString() })).ToList();
        var entry = Assert.Single(logged);
        Assert.Equal("report.resolved", entry.Action);
        Assert.Equal("Removed the link.", entry.Reason);
        Assert.Equal($"reply by {s.Author.Name}", entry.Label);
    }

    [Fact]
    public async Task Bad_reports_are_refused_with_the_field_named()
    {
        var s = await SetupAsync();
        async Task<(HttpStatusCode Status, string Body)> TryAsync(GroupRig.Person p, object body)
        {
            var r = await ReportAsync(s.Rig, p, body);
            return (r.StatusCode, await r.Content.ReadAsStringAsync());
        }

        var own = await TryAsync(s.Author, new { postId = s.Thread, reason = "spam" });
        Assert.Equal(HttpStatusCode.BadRequest, own.Status);
        Assert.Contains("postId", own.Body, StringComparison.Ordinal);

        var reason = await TryAsync(s.Reporter, new { postId = s.Thread, reason = "boring" });
        Assert.Equal(HttpStatusCode.BadRequest, reason.Status);
        Assert.Contains("\"reason\"", reason.Body, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, (await TryAsync(s.Reporter, new { reason = "spam" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await TryAsync(s.Reporter, new { postId = s.Thread, member = s.Author.Name, reason = "spam" })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await TryAsync(s.Reporter, new { postId = s.Thread, reason = "spam", comment = new string('x', 2001) })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await TryAsync(s.Reporter, new { member = s.Reporter.Name, reason = "spam" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(s.Reporter, new { postId = Guid.NewGuid(), reason = "spam" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(s.Reporter, new { member = "nobody-by-this-name", reason = "spam" })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(s.Reporter, new { member = "someone@unknown.example", reason = "spam" })).Status);

        // A members-only group's posts cannot be reported by someone who cannot read them.
        var hiddenSlug = await s.Rig.GroupAsync(s.Owner, visibility: "members");
        var secret = await s.Rig.ThreadAsync(s.Owner, hiddenSlug, "Private", "Only for us.");
        Assert.Equal(HttpStatusCode.NotFound, (await TryAsync(s.Reporter, new { postId = secret, reason = "spam" })).Status);

        // A report about someone here cannot be forwarded: there is no other server to tell.
        var person = await ReportAsync(s.Rig, s.Reporter, new { member = s.Author.Name, reason = "unkind" });
        var id = JsonDocument.Parse(await person.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var forward = await s.Rig.SendAsync(HttpMethod.Post, $"/api/v1/reports/{id}/resolve", s.Owner.Token, new { forward = true });
        Assert.Equal(HttpStatusCode.BadRequest, forward.StatusCode);
        Assert.Contains("forward", await forward.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await s.Rig.SendAsync(HttpMethod.Post, $"/api/v1/reports/{Guid.NewGuid()}/resolve", s.Owner.Token, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await s.Rig.SendAsync(HttpMethod.Get, "/api/v1/reports?status=maybe", s.Owner.Token)).StatusCode);
    }

    [Fact]
    public async Task A_report_about_a_person_goes_to_the_admins_not_the_groups_moderators()
    {
        var s = await SetupAsync();
        var created = await ReportAsync(s.Rig, s.Reporter, new { member = s.Author.Name, reason = "unkind", comment = "Messages me." });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var seen = Assert.Single(await ListAsync(s.Rig, s.Owner), r => r.GetProperty("id").GetGuid() == id);
        Assert.Equal("member", seen.GetProperty("about").GetString());
        Assert.Equal(s.Author.Name, seen.GetProperty("subject").GetString());
        Assert.DoesNotContain(await ListAsync(s.Rig, s.Moderator), r => r.GetProperty("id").GetGuid() == id);
        Assert.Equal(HttpStatusCode.Forbidden, (await s.Rig.SendAsync(HttpMethod.Post, $"/api/v1/reports/{id}/resolve", s.Moderator.Token, new { })).StatusCode);
    }

    [Fact]
    public async Task Three_different_members_hide_a_post_until_a_moderator_has_looked()
    {
        var s = await SetupAsync();
        var second = await s.Rig.MemberAsync();
        var third = await s.Rig.MemberAsync();
        await s.Rig.JoinAsync(second, s.Slug);
        await s.Rig.JoinAsync(third, s.Slug);

        async Task<JsonElement> ThreadAsync() => (await s.Rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{s.Thread}", s.Author.Token)).GetProperty("thread");

        // The same member reporting twice counts once.
        Assert.Equal(HttpStatusCode.Created, (await ReportAsync(s.Rig, s.Reporter, new { postId = s.Thread, reason = "spam" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await ReportAsync(s.Rig, s.Reporter, new { postId = s.Thread, reason = "unkind" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await ReportAsync(s.Rig, second, new { postId = s.Thread, reason = "spam" })).StatusCode);
        Assert.Contains("spam.example", (await ThreadAsync()).GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await ListAsync(s.Rig, s.Moderator)).Count(r => r.GetProperty("postId").ValueKind != JsonValueKind.Null && r.GetProperty("postId").GetGuid() == s.Thread));

        Assert.Equal(HttpStatusCode.Created, (await ReportAsync(s.Rig, third, new { postId = s.Thread, reason = "spam" })).StatusCode);
        var hidden = await ThreadAsync();
        Assert.Equal("", hidden.GetProperty("content").GetString());
        Assert.DoesNotContain("Rough night", hidden.GetRawText(), StringComparison.Ordinal);
        var page = await s.Reporter.Web.GetAsync($"/threads/{s.Thread}");
        Assert.DoesNotContain("spam.example", page.Document.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("hidden until a moderator", page.Document.Body!.TextContent, StringComparison.Ordinal);
        var list = await s.Rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{s.Slug}/threads", s.Reporter.Token);
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetGuid() == s.Thread);

        // Moderators are told it is hidden, and see it on the reports page with its words.
        var notes = (await s.Rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", s.Moderator.Token)).GetProperty("items").EnumerateArray();
        Assert.Contains(notes, n => n.GetProperty("kind").GetString() == "report_hidden");
        var reports = await ListAsync(s.Rig, s.Moderator);
        Assert.All(reports.Where(r => r.GetProperty("postId").ValueKind != JsonValueKind.Null && r.GetProperty("postId").GetGuid() == s.Thread),
            r => Assert.True(r.GetProperty("hidden").GetBoolean()));
        var reportsPage = await s.Moderator.Web.GetAsync("/reports");
        Assert.Equal(HttpStatusCode.OK, reportsPage.Status);
        Assert.Contains("spam.example", reportsPage.Document.Body!.TextContent, StringComparison.Ordinal);

        // One review answers every report on the post, and the post is shown again.
        var first = reports.First(r => r.GetProperty("postId").GetGuid() == s.Thread).GetProperty("id").GetGuid();
        await s.Rig.JsonAsync(HttpMethod.Post, $"/api/v1/reports/{first}/resolve", s.Moderator.Token, new { note = "Looked: it is fine." });
        Assert.DoesNotContain(await ListAsync(s.Rig, s.Moderator), r => r.GetProperty("postId").ValueKind != JsonValueKind.Null && r.GetProperty("postId").GetGuid() == s.Thread);
        Assert.Contains("spam.example", (await ThreadAsync()).GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_reports_a_reply_with_the_form_and_the_moderator_resolves_it_on_the_reports_page()
    {
        var s = await SetupAsync();
        var thread = await s.Reporter.Web.GetAsync($"/threads/{s.Thread}");
        var link = thread.Document.QuerySelectorAll("a").FirstOrDefault(a => a.GetAttribute("href") == $"/reports/new?post={s.Reply}");
        Assert.NotNull(link);
        // No report link on your own posts.
        var own = await s.Author.Web.GetAsync($"/threads/{s.Thread}");
        Assert.DoesNotContain(own.Document.QuerySelectorAll("a"), a => a.GetAttribute("href") == $"/reports/new?post={s.Reply}");

        // Without a reason: 400, the comment kept.
        var failed = await s.Reporter.Web.SubmitAsync($"/reports/new?post={s.Reply}", "/reports/new", new Dictionary<string, string> { ["comment"] = "It is an advert." });
        Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
        var failedPage = await WebSession.ParseAsync(failed);
        Assert.Contains("It is an advert.", failedPage.Document.QuerySelector("textarea#comment")!.TextContent, StringComparison.Ordinal);

        var sent = await s.Reporter.Web.SubmitAsync($"/reports/new?post={s.Reply}", "/reports/new",
            new Dictionary<string, string> { ["about"] = "post", ["reason"] = "spam", ["comment"] = "It is an advert." });
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        Assert.Equal($"/threads/{s.Thread}?notice=report-sent#reply-{s.Reply}", sent.Headers.Location!.OriginalString);

        var reports = await s.Moderator.Web.GetAsync("/reports");
        Assert.Contains("It is an advert.", reports.Document.Body!.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(s.Reporter.Name, reports.Document.Body!.TextContent, StringComparison.OrdinalIgnoreCase);
        var id = (await ListAsync(s.Rig, s.Moderator)).Single(r => r.GetProperty("postId").GetGuid() == s.Reply).GetProperty("id").GetGuid();
        var resolved = await s.Moderator.Web.SubmitAsync(reports, $"/reports/{id}/resolve", new Dictionary<string, string> { ["note"] = "Spoke to them." });
        Assert.Equal(HttpStatusCode.Redirect, resolved.StatusCode);
        var done = await s.Moderator.Web.GetAsync("/reports?status=resolved");
        Assert.Contains("Spoke to them.", done.Document.Body!.TextContent, StringComparison.Ordinal);

        // A member's own report page: a person, from the member list.
        var members = await s.Reporter.Web.GetAsync($"/groups/{s.Slug}/members");
        Assert.Contains(members.Document.QuerySelectorAll("a"), a => a.GetAttribute("href") == $"/reports/new?member={s.Author.Name}");
        var person = await s.Reporter.Web.SubmitAsync($"/reports/new?member={s.Author.Name}", "/reports/new", new Dictionary<string, string> { ["reason"] = "unkind" });
        Assert.Equal(HttpStatusCode.Redirect, person.StatusCode);
        Assert.Contains(await ListAsync(s.Rig, s.Owner), r => r.GetProperty("about").GetString() == "member" && r.GetProperty("subject").GetString() == s.Author.Name);
    }
}

public sealed class ReportTestsOnSqlite(SqliteServer f) : ReportTests<SqliteServer>(f);

public sealed class ReportTestsOnPostgres(PostgresServer f) : ReportTests<PostgresServer>(f);
