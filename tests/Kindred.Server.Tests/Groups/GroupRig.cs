using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Groups;

/// <summary>Groups, threads and replies made the way clients make them: through the JSON API.</summary>
public sealed class GroupRig(KindredTestServer server)
{
    public KindredTestServer Server => server;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var session = server.NewSession();
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await session.Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public async Task<JsonElement> JsonAsync(HttpMethod method, string path, string token, object? body = null, HttpStatusCode expect = HttpStatusCode.OK)
    {
        var response = await SendAsync(method, path, token, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expect, $"{method} {path}: expected {expect}, got {response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>A signed-in person: their name, API token and a browser session with the cookie.</summary>
    public sealed record Person(string Name, string Token, WebSession Web);

    public async Task<Person> AdminAsync()
    {
        var name = await Accounts.CreateWithCliAsync(server, "admin");
        return await PersonAsync(name);
    }

    public async Task<Person> MemberAsync(string? name = null)
    {
        name = await Accounts.RegisterAsync(server, name);
        return await PersonAsync(name);
    }

    private async Task<Person> PersonAsync(string name)
    {
        var web = server.NewSession();
        await Accounts.SignInAsync(web, name);
        return new Person(name, await Accounts.TokenAsync(server, name), web);
    }

    public static string Slug(string prefix = "g") => Accounts.UniqueName(prefix).ToLowerInvariant();

    public async Task<string> GroupAsync(Person owner, string visibility = "public", string joinPolicy = "open", string? slug = null, string? question = null)
    {
        slug ??= Slug();
        await JsonAsync(HttpMethod.Post, "/api/v1/groups", owner.Token, new
        {
            slug,
            name = "Group " + slug,
            description = "A place to talk.",
            rules = "Be **kind**.",
            visibility,
            joinPolicy,
            joinQuestion = question,
        }, HttpStatusCode.Created);
        return slug;
    }

    public Task JoinAsync(Person p, string slug) => JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", p.Token, new { }, HttpStatusCode.Created);

    public async Task<Guid> ThreadAsync(Person p, string slug, string title = "A thread", string content = "Hello", string? contentWarning = null)
    {
        var json = await JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", p.Token, new { title, content, contentWarning }, HttpStatusCode.Created);
        return json.GetProperty("id").GetGuid();
    }

    public async Task<Guid> ReplyAsync(Person p, Guid thread, string content = "I hear you.", Guid? inReplyTo = null, string? contentWarning = null)
    {
        var json = await JsonAsync(HttpMethod.Post, $"/api/v1/threads/{thread}/replies", p.Token, new { content, inReplyTo, contentWarning }, HttpStatusCode.Created);
        return json.GetProperty("id").GetGuid();
    }

    public static List<string> Titles(WebSession.Page page, string sectionTitleId) =>
        page.Document.QuerySelector($"section[aria-labelledby='{sectionTitleId}']")?.QuerySelectorAll(".thread-title").Select(a => a.TextContent.Trim()).ToList() ?? [];
}
