using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Kindred.Server.Cli;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.DataRights;

/// <summary>
/// "Download your data" (issue 14): the export is asked for with the password, built in the background, announced by a
/// notification and downloaded as a ZIP whose files hold exactly what the member wrote, on both databases.
/// </summary>
public abstract class ExportTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private sealed record Written(GroupRig.Person Member, string Slug, Guid Thread, Guid OtherThread, Guid Reply, Guid OwnersReply);

    /// <summary>A member who started a thread, replied in someone else's, said "I hear you" and got a reply (a notification).</summary>
    private static async Task<Written> WriteSomethingAsync(GroupRig rig)
    {
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);
        var mine = await rig.ThreadAsync(member, slug, "Sleepless again", "Third night *awake*.", contentWarning: "insomnia");
        var theirs = await rig.ThreadAsync(owner, slug, "Welcome thread", "Say hello.");
        var reply = await rig.ReplyAsync(member, theirs, "Hello, glad to be here.");
        Assert.Equal(HttpStatusCode.OK, (await rig.SendAsync(HttpMethod.Put, $"/api/v1/posts/{theirs}/reaction", member.Token)).StatusCode);
        var ownersReply = await rig.ReplyAsync(owner, mine, "I am awake too. You are not alone.");
        return new Written(member, slug, mine, theirs, reply, ownersReply);
    }

    private static async Task<JsonElement> WaitUntilReadyAsync(GroupRig rig, GroupRig.Person p)
    {
        JsonElement state = default;
        await Eventually.UntilAsync("the export to be ready", async () =>
        {
            state = await rig.JsonAsync(HttpMethod.Get, "/api/v1/accounts/me/export", p.Token);
            Assert.NotEqual("failed", state.GetProperty("state").GetString());
            return state.GetProperty("state").GetString() == "ready";
        }, () => Task.FromResult(state.ToString()));
        return state;
    }

    private static Dictionary<string, JsonElement> Open(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var files = new Dictionary<string, JsonElement>();
        foreach (var entry in archive.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            var text = reader.ReadToEnd();
            files[entry.FullName] = entry.FullName.EndsWith(".json", StringComparison.Ordinal) ? JsonDocument.Parse(text).RootElement.Clone() : JsonSerializer.SerializeToElement(text);
        }

        return files;
    }

    [Fact]
    public async Task The_export_holds_what_the_member_wrote_and_nothing_else()
    {
        var rig = new GroupRig(Server);
        var w = await WriteSomethingAsync(rig);
        var bystander = await rig.MemberAsync();
        await rig.JoinAsync(bystander, w.Slug);
        await rig.ThreadAsync(bystander, w.Slug, "Not theirs", "Someone else's words.");

        // The password is needed.
        var wrong = await rig.SendAsync(HttpMethod.Post, "/api/v1/accounts/me/export", w.Member.Token, new { password = "not my password" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Contains("password", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var none = await rig.SendAsync(HttpMethod.Get, "/api/v1/accounts/me/export", w.Member.Token);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);

        var started = await rig.JsonAsync(HttpMethod.Post, "/api/v1/accounts/me/export", w.Member.Token, new { password = Accounts.Password }, HttpStatusCode.Accepted);
        Assert.Contains(started.GetProperty("state").GetString(), new[] { "queued", "building", "ready" });
        var ready = await WaitUntilReadyAsync(rig, w.Member);
        Assert.Equal(started.GetProperty("id").GetGuid(), ready.GetProperty("id").GetGuid());
        Assert.Equal(100, ready.GetProperty("progress").GetInt32());
        Assert.True(ready.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(6));

        // Told by a notification that links to the page.
        var notes = await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", w.Member.Token);
        var note = notes.GetProperty("items").EnumerateArray().Single(n => n.GetProperty("kind").GetString() == "export_ready");
        Assert.EndsWith("/account/export", note.GetProperty("url").GetString(), StringComparison.Ordinal);

        var download = await rig.SendAsync(HttpMethod.Get, new Uri(ready.GetProperty("downloadUrl").GetString()!).PathAndQuery, w.Member.Token);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/zip", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", download.Headers.CacheControl?.ToString());
        var files = Open(await download.Content.ReadAsByteArrayAsync());
        Assert.Equal(["README.txt", "account.json", "memberships.json", "notifications.json", "outbox.json", "posts.json", "reactions.json"], files.Keys.Order(StringComparer.Ordinal));

        var account = files["account.json"];
        Assert.Equal(w.Member.Name, account.GetProperty("username").GetString());
        Assert.Equal($"{w.Member.Name}@example.org", account.GetProperty("email").GetString());
        var consents = account.GetProperty("consents").EnumerateArray().ToList();
        Assert.Contains(consents, c => c.GetProperty("kind").GetString() == "processing-of-health-related-data" && c.GetProperty("version").GetString() is { Length: > 0 });
        Assert.Contains(consents, c => c.GetProperty("kind").GetString() == "guidelines");

        var posts = files["posts.json"].EnumerateArray().ToList();
        Assert.Equal(2, posts.Count);
        var thread = posts.Single(p => p.GetProperty("kind").GetString() == "thread");
        Assert.Equal(w.Thread, thread.GetProperty("id").GetGuid());
        Assert.Equal("Sleepless again", thread.GetProperty("title").GetString());
        Assert.Equal("Third night *awake*.", thread.GetProperty("content").GetString());
        Assert.Equal("insomnia", thread.GetProperty("contentWarning").GetString());
        Assert.Equal(w.Slug, thread.GetProperty("group").GetProperty("slug").GetString());
        var reply = posts.Single(p => p.GetProperty("kind").GetString() == "reply");
        Assert.Equal(w.Reply, reply.GetProperty("id").GetGuid());
        Assert.Equal("Hello, glad to be here.", reply.GetProperty("content").GetString());
        Assert.Equal(w.OtherThread, reply.GetProperty("thread").GetProperty("id").GetGuid());
        Assert.Equal("Welcome thread", reply.GetProperty("thread").GetProperty("title").GetString());
        Assert.DoesNotContain("Someone else's words.", files["posts.json"].ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("You are not alone", files["posts.json"].ToString(), StringComparison.Ordinal);

        var reaction = Assert.Single(files["reactions.json"].EnumerateArray());
        Assert.Equal(w.OtherThread, reaction.GetProperty("on").GetProperty("id").GetGuid());
        Assert.Equal("thread", reaction.GetProperty("on").GetProperty("kind").GetString());

        var membership = Assert.Single(files["memberships.json"].EnumerateArray());
        Assert.Equal(w.Slug, membership.GetProperty("group").GetProperty("slug").GetString());
        Assert.Equal("member", membership.GetProperty("state").GetString());

        var notifications = files["notifications.json"].EnumerateArray().ToList();
        Assert.Contains(notifications, n => n.GetProperty("kind").GetString() == "reply" && n.GetProperty("replyId").GetGuid() == w.OwnersReply);

        var outbox = files["outbox.json"];
        Assert.Equal("https://www.w3.org/ns/activitystreams", outbox.GetProperty("@context").GetString());
        Assert.Equal("OrderedCollection", outbox.GetProperty("type").GetString());
        Assert.Equal(2, outbox.GetProperty("totalItems").GetInt32());
        var items = outbox.GetProperty("orderedItems").EnumerateArray().ToList();
        Assert.All(items, i => Assert.Equal("Create", i.GetProperty("type").GetString()));
        var page = items.Select(i => i.GetProperty("object")).Single(o => o.GetProperty("type").GetString() == "Page");
        Assert.Equal("Sleepless again", page.GetProperty("name").GetString());
        Assert.Contains("<em>awake</em>", page.GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal("insomnia", page.GetProperty("summary").GetString());
        Assert.EndsWith($"/users/{w.Member.Name.ToLowerInvariant()}", page.GetProperty("attributedTo").GetString(), StringComparison.Ordinal);
        var note2 = items.Select(i => i.GetProperty("object")).Single(o => o.GetProperty("type").GetString() == "Note");
        Assert.EndsWith($"/threads/{w.OtherThread}", note2.GetProperty("inReplyTo").GetString(), StringComparison.Ordinal);

        // Someone else cannot fetch it: their own (none) is not found.
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, "/api/v1/accounts/me/export/download", bystander.Token)).StatusCode);
    }

    [Fact]
    public async Task The_web_page_asks_for_the_password_shows_progress_and_offers_the_download()
    {
        var rig = new GroupRig(Server);
        var w = await WriteSomethingAsync(rig);
        var web = w.Member.Web;
        var page = await web.GetAsync("/account/export");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("not asked for an export yet", page.Document.Body!.TextContent, StringComparison.Ordinal);

        var refused = await web.SubmitAsync("/account/export", "/account/export", new Dictionary<string, string> { ["password"] = "wrong password here" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("not your current password", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var asked = await web.SubmitAsync("/account/export", "/account/export", new Dictionary<string, string> { ["password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        Assert.Equal("/account/export?notice=export-requested", asked.Headers.Location?.OriginalString);
        await WaitUntilReadyAsync(rig, w.Member);

        page = await web.GetAsync("/account/export");
        var link = page.Document.QuerySelectorAll("a").Single(a => a.TextContent.Contains("Download your export", StringComparison.Ordinal));
        var zip = await web.Http.GetAsync(link.GetAttribute("href"));
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        var files = Open(await zip.Content.ReadAsByteArrayAsync());
        Assert.Contains("Sleepless again", files["posts.json"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Asking_again_while_one_is_built_answers_with_it_and_a_day_allows_only_a_few()
    {
        var rig = new GroupRig(Server);
        var member = await rig.MemberAsync();
        // Asked again and again: while one is queued or building the answer is that one (same id); a new one starts only
        // once the last is done, and three a day is the default limit, then 429 with Retry-After.
        var created = new List<Guid>();
        HttpResponseMessage response;
        while ((response = await rig.SendAsync(HttpMethod.Post, "/api/v1/accounts/me/export", member.Token, new { password = Accounts.Password })).StatusCode
               == HttpStatusCode.Accepted)
        {
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            var id = json.GetProperty("id").GetGuid();
            if (!created.Contains(id))
            {
                if (created.Count > 0)
                {
                    // A new one only after the previous one finished.
                    var previous = created[^1];
                    var latest = await rig.JsonAsync(HttpMethod.Get, "/api/v1/accounts/me/export", member.Token);
                    Assert.True(latest.GetProperty("id").GetGuid() != previous || latest.GetProperty("state").GetString() == "ready");
                }

                created.Add(id);
            }

            Assert.True(created.Count <= 3, "more than three exports in a day");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(3, created.Count);
    }

    [Fact]
    public async Task The_admin_command_line_writes_the_same_export_to_a_file()
    {
        var rig = new GroupRig(Server);
        var w = await WriteSomethingAsync(rig);
        var path = Path.Combine(Path.GetTempPath(), $"kindred-export-{Guid.NewGuid():N}.zip");
        try
        {
            var args = new List<string> { "admin", "export-account", "--username", w.Member.Name, "--output", path };
            args.AddRange(Server.Settings.Where(kv => kv.Value is not null).Select(kv => $"--{kv.Key}={kv.Value}"));
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Assert.True(await AdminCli.RunAsync([.. args], new StringReader(""), stdout, stderr) == 0, stderr.ToString());
            Assert.Contains("keep it safe", stdout.ToString(), StringComparison.Ordinal);
            var files = Open(await File.ReadAllBytesAsync(path));
            Assert.Equal(2, files["posts.json"].GetArrayLength());
            Assert.Equal(2, files["outbox.json"].GetProperty("totalItems").GetInt32());

            // It never overwrites a file, and says so.
            stderr = new StringWriter();
            Assert.Equal(1, await AdminCli.RunAsync([.. args], new StringReader(""), new StringWriter(), stderr));
            Assert.Contains("already exists", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class ExportTestsOnSqlite(SqliteServer f) : ExportTests<SqliteServer>(f);

public sealed class ExportTestsOnPostgres(PostgresServer f) : ExportTests<PostgresServer>(f);
