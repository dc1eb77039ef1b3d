using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Threads;

/// <summary>Keyset pagination: every item once, in order, following the "next" links on the web and in the API.</summary>
public abstract class PaginationTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task Thread_lists_page_on_the_web_and_in_the_api_without_gaps_or_repeats()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var titles = new List<string>();
        for (var i = 0; i < 45; i++)
        {
            titles.Add($"Thread {i:00}");
            await rig.ThreadAsync(owner, slug, titles[^1]);
        }

        // Web: newest first, 20 a page, through the "Older threads" link.
        var seen = new List<string>();
        var path = $"/groups/{slug}";
        var pages = 0;
        while (path is not null)
        {
            var page = await owner.Web.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            var onPage = GroupRig.Titles(page, "threads-title");
            Assert.InRange(onPage.Count, 1, 20);
            seen.AddRange(onPage);
            path = page.Document.QuerySelector("section[aria-labelledby=threads-title] a[rel=next]")?.GetAttribute("href");
            pages++;
        }

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(titles), seen);

        // Waiting for a reply: oldest first, through its own pages.
        var waiting = new List<string>();
        path = $"/groups/{slug}/waiting";
        while (path is not null)
        {
            var page = await owner.Web.GetAsync(path);
            waiting.AddRange(page.Document.QuerySelectorAll(".thread-title").Select(a => a.TextContent.Trim()));
            path = page.Document.QuerySelector("a[rel=next]")?.GetAttribute("href");
        }

        Assert.Equal(titles, waiting);

        // API: the same, following "next".
        var api = new List<string>();
        string? next = $"/api/v1/groups/{slug}/threads";
        while (next is not null)
        {
            var json = await rig.JsonAsync(HttpMethod.Get, next, owner.Token);
            api.AddRange(json.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("title").GetString()!));
            next = json.GetProperty("next").ValueKind == JsonValueKind.Null ? null : new Uri(json.GetProperty("next").GetString()!).PathAndQuery;
        }

        Assert.Equal(Enumerable.Reverse(titles), api);
    }

    [Fact]
    public async Task Replies_and_groups_page_too()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug);
        var replies = new List<Guid>();
        for (var i = 0; i < 55; i++)
        {
            replies.Add(await rig.ReplyAsync(owner, thread, $"Reply {i}"));
        }

        var first = await owner.Web.GetAsync($"/threads/{thread}");
        Assert.Equal(50, first.Document.QuerySelectorAll("ol.replies > li").Length);
        var more = first.Document.QuerySelector("a[rel=next]")!.GetAttribute("href")!;
        var second = await owner.Web.GetAsync(more);
        Assert.Equal(replies.Skip(50).Select(r => $"reply-{r}"), second.Document.QuerySelectorAll("ol.replies > li").Select(li => li.Id));
        Assert.Null(second.Document.QuerySelector("a[rel=next]"));

        for (var i = 0; i < 21; i++)
        {
            await rig.GroupAsync(owner);
        }

        var slugs = new List<string>();
        string? next = "/api/v1/groups";
        while (next is not null)
        {
            var json = await rig.JsonAsync(HttpMethod.Get, next, owner.Token);
            slugs.AddRange(json.GetProperty("items").EnumerateArray().Select(g => g.GetProperty("slug").GetString()!));
            next = json.GetProperty("next").ValueKind == JsonValueKind.Null ? null : new Uri(json.GetProperty("next").GetString()!).PathAndQuery;
        }

        Assert.True(slugs.Count >= 22);
        Assert.Equal(slugs.Count, slugs.Distinct().Count());
        Assert.Equal(slugs.OrderBy(s => s, StringComparer.Ordinal), slugs);
    }
}

public sealed class PaginationTestsOnSqlite(SqliteServer f) : PaginationTests<SqliteServer>(f);

public sealed class PaginationTestsOnPostgres(PostgresServer f) : PaginationTests<PostgresServer>(f);
