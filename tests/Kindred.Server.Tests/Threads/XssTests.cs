using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Threads;

/// <summary>Hostile HTML and Markdown, posted through the API and the web, never reaches a page or the API's HTML as anything active.</summary>
public abstract class XssTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    public static readonly string[] Payloads =
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)><circle r=1 /></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<a href=\"javascript:alert(1)\">click</a>",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](&#106;avascript:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![img](javascript:alert(1))",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<div style=\"background:url(javascript:alert(1))\">css</div>",
        "<p style=\"position:fixed;top:0;left:0;width:100%;height:100%\">overlay</p>",
        "<style>body{display:none}</style>",
        "<iframe src=\"https://example.org\"></iframe>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<details open ontoggle=alert(1)>",
        "\"><script>alert(1)</script>",
        "<scr<script>ipt>alert(1)</script>",
        "<body onload=alert(1)>",
        "<form action=\"javascript:alert(1)\"><button>go</button></form>",
        "<input autofocus onfocus=alert(1)>",
        "<object data=\"javascript:alert(1)\"></object>",
        "<a href=\"vbscript:msgbox(1)\">vb</a>",
        "[link](https://example.org \"title\\\" onmouseover=\\\"alert(1)\")",
        "<<a>script>alert(1)<</a>/script>",
        "<!--<script>alert(1)//-->",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:alert(1)//\">",
    ];

    [Fact]
    public async Task Hostile_payloads_through_the_api_and_the_web_reach_no_page_as_markup()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var all = string.Join("\n\n", Payloads);

        // Through the API: title, body and content warning of a thread, and replies with every payload.
        var thread = await rig.ThreadAsync(owner, slug, title: "<script>alert('title')</script>", content: all, contentWarning: "<img src=x onerror=alert(1)>");
        foreach (var payload in Payloads)
        {
            await rig.ReplyAsync(owner, thread, payload, contentWarning: payload.Length <= 200 ? payload : null);
        }

        await rig.ReplyAsync(owner, thread, all, contentWarning: "<svg onload=alert(1)>");

        // Through the web: a thread from the form.
        var posted = await owner.Web.SubmitAsync($"/groups/{slug}/threads/new", $"/groups/{slug}/threads", new Dictionary<string, string>
        {
            ["title"] = "<img src=x onerror=alert(1)>", ["content"] = all, ["contentWarning"] = "<script>alert(1)</script>",
        });
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var webThread = posted.Headers.Location!.OriginalString.Split('?')[0];

        foreach (var path in new[] { $"/threads/{thread}", webThread, $"/groups/{slug}", $"/groups/{slug}/waiting", "/", $"/posts/{thread}/edit" })
        {
            var page = await owner.Web.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            AssertInert(page.Document.DocumentElement, path);
        }

        // The titles and warnings are shown as the text people typed.
        var threadPage = await owner.Web.GetAsync($"/threads/{thread}");
        Assert.Equal("<script>alert('title')</script>", threadPage.Text("h1"));
        Assert.Equal("Content warning: <img src=x onerror=alert(1)>", threadPage.Text("article.thread summary"));

        // The API's sanitised HTML is inert too.
        var json = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", owner.Token);
        var parser = new HtmlParser();
        var html = new List<string> { json.GetProperty("thread").GetProperty("contentHtml").GetString()! };
        html.AddRange(json.GetProperty("replies").GetProperty("items").EnumerateArray().Select(r => r.GetProperty("contentHtml").GetString()!));
        foreach (var fragment in html)
        {
            AssertInert(parser.ParseDocument($"<div>{fragment}</div>").Body!, "API contentHtml: " + fragment);
        }
    }

    [Fact]
    public async Task Group_rules_and_descriptions_are_sanitised_or_escaped()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = GroupRig.Slug();
        await rig.JsonAsync(HttpMethod.Post, "/api/v1/groups", owner.Token, new
        {
            slug, name = "<script>alert(1)</script>", description = "<img src=x onerror=alert(1)>", rules = string.Join("\n\n", Payloads),
            visibility = "public", joinPolicy = "approval", joinQuestion = "<b onclick=alert(1)>why?</b>",
        }, HttpStatusCode.Created);
        var member = await rig.MemberAsync();
        foreach (var path in new[] { $"/groups/{slug}", "/", "/groups", $"/groups/{slug}/settings" })
        {
            var web = path.EndsWith("/settings", StringComparison.Ordinal) ? owner.Web : member.Web;
            var page = await web.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            AssertInert(page.Document.DocumentElement, path);
        }

        Assert.Equal("<script>alert(1)</script>", (await member.Web.GetAsync($"/groups/{slug}")).Text("h1"));
    }

    private static void AssertInert(IElement root, string where)
    {
        Assert.True(root.QuerySelectorAll("script, iframe, object, embed, style, svg, math, form[action^='javascript'], base, meta[http-equiv]").Length == 0,
            $"{where}: active element in {root.InnerHtml}");
        foreach (var element in root.QuerySelectorAll("*"))
        {
            foreach (var attribute in element.Attributes)
            {
                Assert.False(attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"{where}: event handler {element.OuterHtml}");
                Assert.False(attribute.Name.Equals("style", StringComparison.OrdinalIgnoreCase), $"{where}: style attribute {element.OuterHtml}");
                if (attribute.Name is "href" or "src" or "action" or "formaction" or "data")
                {
                    var value = new string(attribute.Value.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray());
                    Assert.False(value.StartsWith("javascript:", StringComparison.OrdinalIgnoreCase)
                                 || value.StartsWith("data:", StringComparison.OrdinalIgnoreCase)
                                 || value.StartsWith("vbscript:", StringComparison.OrdinalIgnoreCase), $"{where}: dangerous URL {element.OuterHtml}");
                }
            }
        }
    }
}

public sealed class XssTestsOnSqlite(SqliteServer f) : XssTests<SqliteServer>(f);

public sealed class XssTestsOnPostgres(PostgresServer f) : XssTests<PostgresServer>(f);
