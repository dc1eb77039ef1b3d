using System.Net;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Threads;

/// <summary>
/// Kindred shows no pictures yet. A post with Markdown images is not posted with the pictures silently left out (or as
/// an empty paragraph): the author is told, on the web form and in the API, and what they wrote stays in the form.
/// </summary>
public abstract class MarkdownImageTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private const string WithImage = "This is my garden today.\n\n![my garden](https://example.org/garden.jpg)";

    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task A_thread_with_an_image_is_refused_with_a_reason_on_the_web_and_in_the_api()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);

        var web = await owner.Web.SubmitAsync($"/groups/{slug}/threads/new", $"/groups/{slug}/threads", new Dictionary<string, string>
        {
            ["title"] = "My garden",
            ["content"] = WithImage,
        });
        Assert.Equal(HttpStatusCode.BadRequest, web.StatusCode);
        var page = await WebSession.ParseAsync(web);
        var error = page.Text("#content-error");
        Assert.Contains("picture", error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("[my garden](https://example.org/garden.jpg)", error, StringComparison.Ordinal);
        Assert.Contains("![my garden]", page.Document.QuerySelector("textarea#content")!.TextContent, StringComparison.Ordinal);

        var api = await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", owner.Token, new { title = "My garden", content = "![](https://example.org/only.jpg)" });
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        Assert.Contains("\"content\"", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Replies and edits are held to the same rule; a link to a picture is fine.
        var thread = await rig.ThreadAsync(owner, slug, "Gardens", "Share a [picture](https://example.org/garden.jpg) link.");
        Assert.Equal(HttpStatusCode.BadRequest, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/threads/{thread}/replies", owner.Token, new { content = WithImage })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await rig.SendAsync(HttpMethod.Patch, $"/api/v1/posts/{thread}", owner.Token, new { content = WithImage })).StatusCode);
    }
}

public sealed class MarkdownImageTestsOnSqlite(SqliteServer f) : MarkdownImageTests<SqliteServer>(f);

public sealed class MarkdownImageTestsOnPostgres(PostgresServer f) : MarkdownImageTests<PostgresServer>(f);
