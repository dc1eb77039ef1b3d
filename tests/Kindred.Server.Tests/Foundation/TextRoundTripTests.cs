using Kindred.Server.Web;
using System.Net;
using AngleSharp.Html.Dom;
using Kindred.Server.Features.Admin;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Foundation;

/// <summary>
/// What a form shows is what it sends back: text in a textarea comes back byte for byte, however often it is saved,
/// and saving a form without changing the guidelines does not make a new version of them. (The browser suite walks
/// the same round trips in Chromium; these run the forms as AngleSharp reads them, on both databases.)
/// </summary>
public abstract class TextRoundTripTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    public const string ThreeParagraphs = "The first paragraph, with *some* Markdown.\n\nThe second one\nhas two lines.\n\n- and a list\n- of two";

    /// <summary>Browsers send the line breaks of a textarea as CRLF (HTML form submission); so do we here.</summary>
    private static string AsBrowserSends(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

    private static string TextArea(WebSession.Page page, string id) =>
        (page.Document.QuerySelector($"textarea#{id}") as IHtmlTextAreaElement ?? throw new InvalidOperationException($"No textarea #{id}")).Value;

    private static string Input(WebSession.Page page, string id) => (page.Document.QuerySelector($"input#{id}") as IHtmlInputElement)?.Value ?? "";

    [Fact]
    public async Task Saving_the_instance_settings_without_touching_the_guidelines_keeps_their_text_and_version()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        var before = await Server.Get<InstanceSettings>().GetAsync();

        for (var i = 0; i < 2; i++)
        {
            var page = await session.GetAsync("/admin");
            var saved = await session.SubmitAsync(page, "/admin/settings", new Dictionary<string, string>
            {
                ["instanceName"] = $"Renamed {i}",
                ["description"] = AsBrowserSends(TextArea(page, "description")),
                ["registrationMode"] = before.RegistrationMode,
                ["guidelines"] = AsBrowserSends(TextArea(page, "guidelines")),
            });
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        }

        var after = await Server.Get<InstanceSettings>().GetAsync();
        Assert.Equal(before.GuidelinesVersion, after.GuidelinesVersion);
        Assert.Equal(before.Guidelines, after.Guidelines);
        Assert.Equal(before.Description, after.Description);
        await Server.Get<InstanceSettings>().SaveAsync(before);
    }

    [Fact]
    public async Task A_thread_and_a_reply_edited_twice_through_their_forms_keep_their_text()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var posted = await owner.Web.SubmitAsync($"/groups/{slug}/threads/new", $"/groups/{slug}/threads", new Dictionary<string, string>
        {
            ["title"] = "Three paragraphs",
            ["content"] = AsBrowserSends(ThreeParagraphs),
        });
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var thread = Guid.Parse(posted.Headers.Location!.OriginalString.Split('?')[0].Split('/')[^1]);
        var reply = await rig.ReplyAsync(owner, thread, ThreeParagraphs);

        foreach (var post in new[] { thread, reply })
        {
            for (var i = 0; i < 2; i++)
            {
                var page = await owner.Web.GetAsync($"/posts/{post}/edit");
                Assert.Equal(ThreeParagraphs, TextArea(page, "content"));
                var values = new Dictionary<string, string> { ["content"] = AsBrowserSends(TextArea(page, "content")), ["contentWarning"] = Input(page, "contentWarning") };
                if (post == thread)
                {
                    values["title"] = Input(page, "title");
                }

                Assert.Equal(HttpStatusCode.Redirect, (await owner.Web.SubmitAsync(page, $"/posts/{post}/edit", values)).StatusCode);
            }
        }

        var detail = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", owner.Token);
        Assert.Equal(ThreeParagraphs, detail.GetProperty("thread").GetProperty("content").GetString());
        Assert.Equal(ThreeParagraphs, detail.GetProperty("replies").GetProperty("items")[0].GetProperty("content").GetString());
        // Three paragraphs render as three blocks, none of them code.
        Assert.DoesNotContain("<pre>", detail.GetProperty("thread").GetProperty("contentHtml").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Group_rules_saved_twice_through_the_settings_form_keep_their_text()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}", owner.Token, new { rules = ThreeParagraphs });

        for (var i = 0; i < 2; i++)
        {
            var page = await owner.Web.GetAsync($"/groups/{slug}/settings");
            Assert.Equal(ThreeParagraphs, TextArea(page, "rules"));
            var saved = await owner.Web.SubmitAsync(page, $"/groups/{slug}/settings", new Dictionary<string, string>
            {
                ["name"] = Input(page, "name"),
                ["description"] = AsBrowserSends(TextArea(page, "description")),
                ["rules"] = AsBrowserSends(TextArea(page, "rules")),
                ["visibility"] = "public",
                ["joinPolicy"] = "open",
                ["joinQuestion"] = Input(page, "joinQuestion"),
                ["federation"] = "local",
            });
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        }

        var group = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}", owner.Token);
        Assert.Equal(ThreeParagraphs, group.GetProperty("rules").GetString());
    }

    [Fact]
    public async Task A_code_block_is_shown_with_its_own_indentation_only()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug, "My routine", "Every morning:\n\n```\nwake up\n  drink water\n    breathe\n```");
        var page = await owner.Web.GetAsync($"/threads/{thread}");
        Assert.Equal("wake up\n  drink water\n    breathe\n", page.Document.QuerySelector("article.thread pre")!.TextContent);
    }

    [Fact]
    public async Task Text_that_starts_with_a_blank_line_keeps_it_in_the_form()
    {
        // HTML drops one line break right after <textarea>; the page must add one so that the text's own survives.
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug, "Leading blank line", "\nStarts on the second line.");
        var page = await owner.Web.GetAsync($"/posts/{thread}/edit");
        Assert.Equal("\nStarts on the second line.", TextArea(page, "content"));
    }
}

public sealed class TextRoundTripTestsOnSqlite(SqliteServer f) : TextRoundTripTests<SqliteServer>(f);

public sealed class TextRoundTripTestsOnPostgres(PostgresServer f) : TextRoundTripTests<PostgresServer>(f);
