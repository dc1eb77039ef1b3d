using Kindred.Server.Configuration;
using System.Net;
using AngleSharp.Dom;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Foundation;

/// <summary>What every page must carry: the urgent-help link, noindex, security headers, landmarks, no third-party assets.</summary>
public abstract class LayoutTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    public static readonly string[] PublicPages = ["/", "/signin", "/register", "/help/urgent", "/guidelines", "/signout"];
    public static readonly string[] MemberPages = ["/", "/account", "/signout", "/help/urgent", "/guidelines"];
    public static readonly string[] AdminPages = ["/admin", "/admin/registrations"];

    /// <summary>Group and thread pages; {group} and {thread} are made by the test.</summary>
    public static readonly string[] GroupPages =
    [
        "/groups", "/groups?mine=1", "/groups/new", "/groups/{group}", "/groups/{group}/waiting", "/groups/{group}/settings",
        "/groups/{group}/members", "/groups/{group}/threads/new", "/threads/{thread}", "/threads/{thread}/reply?to={reply}",
        "/posts/{thread}/edit", "/posts/{reply}/delete", "/waiting", "/notifications",
    ];

    public static readonly string[] PublicGroupPages = ["/groups", "/groups/{group}", "/groups/{group}/waiting", "/threads/{thread}"];

    [Fact]
    public async Task Every_page_signed_out_has_urgent_help_noindex_and_security_headers()
    {
        using var session = Server.NewSession();
        foreach (var path in PublicPages)
        {
            await AssertPageIsSafe(session, path);
        }
    }

    [Fact]
    public async Task Every_page_for_members_and_admins_has_the_same_guarantees()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        foreach (var path in MemberPages.Concat(AdminPages))
        {
            await AssertPageIsSafe(session, path);
        }
    }

    [Fact]
    public async Task Group_and_thread_pages_have_the_same_guarantees_signed_in_and_out()
    {
        var rig = new Groups.GroupRig(Server);
        var admin = await rig.AdminAsync();
        var slug = await rig.GroupAsync(admin, joinPolicy: "approval");
        var thread = await rig.ThreadAsync(admin, slug, contentWarning: "hard topic");
        var reply = await rig.ReplyAsync(admin, thread, "A reply", contentWarning: "also hard");
        var asker = await rig.MemberAsync();
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", asker.Token, new { answer = "please" }, HttpStatusCode.Accepted);
        string Fill(string p) => p.Replace("{group}", slug, StringComparison.Ordinal).Replace("{thread}", thread.ToString(), StringComparison.Ordinal)
            .Replace("{reply}", reply.ToString(), StringComparison.Ordinal);

        foreach (var path in GroupPages)
        {
            await AssertPageIsSafe(admin.Web, Fill(path));
        }

        using var anonymous = Server.NewSession();
        foreach (var path in PublicGroupPages)
        {
            await AssertPageIsSafe(anonymous, Fill(path));
        }

        await AssertPageIsSafe(asker.Web, Fill("/groups/{group}"));
    }

    [Fact]
    public async Task Urgent_help_page_lists_helplines_and_says_it_is_not_a_crisis_service()
    {
        using var session = Server.NewSession();
        var page = await session.GetAsync("/help/urgent");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("not a crisis service", page.Text("main"), StringComparison.OrdinalIgnoreCase);
        var helplines = page.Document.QuerySelectorAll(".helplines > li h2").Select(h => h.TextContent).ToList();
        Assert.Contains("Find A Helpline", helplines);
        // No helplines configured here, so the example list is shown and clearly marked as such.
        Assert.Contains("Example list", page.Text("main"));
    }

    [Fact]
    public async Task Robots_txt_disallows_everything_by_default()
    {
        using var session = Server.NewSession();
        var text = await session.Http.GetStringAsync("/robots.txt");
        Assert.Contains("Disallow: /", text.Split('\n'));
    }

    [Fact]
    public async Task Stylesheet_is_served_from_the_theme()
    {
        using var session = Server.NewSession();
        var response = await session.Http.GetAsync("/assets/site.css");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task AssertPageIsSafe(WebSession session, string path)
    {
        var page = await session.GetAsync(path);
        Assert.True(page.Status == HttpStatusCode.OK, $"{path}: {page.Status}");
        var doc = page.Document;

        var urgent = doc.QuerySelectorAll("header a").FirstOrDefault(a => a.TextContent.Trim() == "Need urgent help?");
        Assert.True(urgent is not null, $"{path}: no 'Need urgent help?' link in the header");
        Assert.Equal("/help/urgent", urgent.GetAttribute("href"));

        Assert.Equal("noindex, nofollow", doc.QuerySelector("meta[name=robots]")?.GetAttribute("content"));
        Assert.Contains("noindex", page.Response.Headers.GetValues("X-Robots-Tag").Single());
        var csp = page.Response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", page.Response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", page.Response.Headers.GetValues("X-Frame-Options").Single());

        Assert.Equal("en", doc.DocumentElement.GetAttribute("lang"));
        Assert.NotNull(doc.QuerySelector("main#main"));
        Assert.NotNull(doc.QuerySelector("header"));
        Assert.NotNull(doc.QuerySelector("footer"));
        Assert.NotNull(doc.QuerySelector("nav[aria-label]"));
        Assert.Single(doc.QuerySelectorAll("h1"));
        Assert.Empty(doc.QuerySelectorAll("script"));
        Assert.Empty(doc.QuerySelectorAll("[style]"));

        // Nothing loaded from another origin.
        foreach (var element in doc.QuerySelectorAll("link[href], img[src], script[src], iframe, source[src]"))
        {
            var url = element.GetAttribute("href") ?? element.GetAttribute("src") ?? "";
            Assert.True(url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal), $"{path}: third-party asset {url}");
        }

        // Every form control has a label; every POST form carries the antiforgery token.
        foreach (var input in doc.QuerySelectorAll("input:not([type=hidden]), textarea, select"))
        {
            var id = input.GetAttribute("id");
            Assert.True(id is not null && doc.QuerySelector($"label[for='{id}']") is not null, $"{path}: control {input.OuterHtml} has no label");
        }

        foreach (var form in doc.QuerySelectorAll("form"))
        {
            Assert.Equal("post", form.GetAttribute("method"));
            Assert.NotNull(form.QuerySelector("input[type=hidden][name=__csrf]"));
        }
    }
}

public sealed class LayoutTestsOnSqlite(SqliteServer f) : LayoutTests<SqliteServer>(f);

public sealed class LayoutTestsOnPostgres(PostgresServer f) : LayoutTests<PostgresServer>(f);
