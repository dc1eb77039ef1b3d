using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Tests.TestRig;

namespace Kindred.BrowserTests.Rig;

/// <summary>
/// Creates the data that pages with route parameters show, once per test server, and returns real URLs to them
/// (for <see cref="PageCatalog"/>). Create data the way people do (the API, the CLI, or the browser journeys in
/// <see cref="Journeys"/>), never by writing to the database behind the app's back.
/// </summary>
public sealed class SampleData(KindredTestServer server, string memberName, string adminName)
{
    // One task per key, so sample data that builds on other sample data (a thread needs its group) never waits on itself.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string>>> _made = new(StringComparer.Ordinal);

    public KindredTestServer Server => server;
    public string MemberName => memberName;
    public string AdminName => adminName;

    /// <summary>Runs <paramref name="create"/> once per key and remembers the URL it returned.</summary>
    public Task<string> OnceAsync(string key, Func<Task<string>> create) =>
        _made.GetOrAdd(key, _ => new Lazy<Task<string>>(create)).Value;

    /// <summary>A password reset link for the admin (asked for through the API; read from the pickup folder). Opening it uses nothing up.</summary>
    public Task<string> PasswordResetUrlAsync() => OnceAsync("reset-url", async () =>
    {
        var email = $"{adminName}@example.org";
        using var session = server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/auth/password-reset", new { email });
        response.EnsureSuccessStatusCode();
        return Kindred.Server.Tests.Mail.MailRig.ResetPath(await Kindred.Server.Tests.Mail.MailRig.WaitForPickupAsync(server, email));
    });

    /// <summary>The link sent to a new address when the member asks to change theirs (the account keeps its address until it is followed).</summary>
    public Task<string> EmailConfirmUrlAsync() => OnceAsync("email-confirm-url", async () =>
    {
        var newEmail = $"{memberName}-new@example.org";
        using var session = server.NewSession();
        await Accounts.SignInAsync(session, memberName);
        var response = await session.SubmitAsync("/account", "/account/email", new Dictionary<string, string> { ["email"] = newEmail, ["password"] = Accounts.Password });
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var message = await Kindred.Server.Tests.Mail.MailRig.WaitForPickupAsync(server, newEmail);
        var link = System.Text.RegularExpressions.Regex.Match(message.TextBody ?? "", @"https?://\S+/account/email/confirm\?token=[A-Za-z0-9_-]+").Value;
        return new Uri(link).PathAndQuery;
    });

    /// <summary>A message in the pickup folder, as admins open it from Admin, E-mail.</summary>
    public async Task<string> PickupMessageUrlAsync()
    {
        await PasswordResetUrlAsync();
        var file = Directory.GetFiles(Kindred.Server.Tests.Mail.MailRig.PickupFolder(server), "*.eml").Order(StringComparer.Ordinal).First();
        return "/admin/mail/pickup/" + Path.GetFileName(file);
    }

    private const string GroupSlug = "living_with_anxiety";
    private const string GroupName = "Living with anxiety";

    /// <summary>An open, public group owned by the admin, made through the API as an admin would.</summary>
    public Task<string> GroupUrlAsync() => OnceAsync("group-url", async () =>
    {
        var token = await Accounts.TokenAsync(server, adminName);
        using var session = server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/groups", new
        {
            slug = GroupSlug,
            name = GroupName,
            description = "For anyone living with anxiety, and the people who care about them.",
            rules = "Be kind. Share what helped you, not instructions.",
            visibility = "public",
            joinPolicy = "open",
            federation = "local",
        }, token);
        response.EnsureSuccessStatusCode();
        return $"/groups/{GroupSlug}";
    });

    /// <summary>A suspended server, blocked through the API as an admin would, for the federation policy pages.</summary>
    public Task<string> DomainBlockUrlAsync() => OnceAsync("domain-block", async () =>
    {
        var token = await Accounts.TokenAsync(server, adminName);
        using var session = server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/admin/domain-blocks", new
        {
            domain = "hostile.example",
            severity = "suspend",
            publicComment = "Harassment of members",
        }, token);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return $"/admin/federation/domain-blocks/{json.GetProperty("id").GetString()}";
    });

    /// <summary>The sample group's moderation log with one entry: a member joined and the admin banned them (no content changes, so other pages look the same).</summary>
    public Task<string> ModerationLogUrlAsync() => OnceAsync("modlog-url", async () =>
    {
        var group = await GroupUrlAsync();
        var token = await Accounts.TokenAsync(server, adminName);
        var peer = await Accounts.RegisterAsync(server);
        var peerToken = await Accounts.TokenAsync(server, peer);
        using var session = server.NewSession();
        (await session.PostJsonAsync($"/api/v1/groups/{GroupSlug}/membership", new { }, peerToken)).EnsureSuccessStatusCode();
        (await session.PostJsonAsync($"/api/v1/groups/{GroupSlug}/bans", new { member = peer, reason = "Selling miracle cures." }, token)).EnsureSuccessStatusCode();
        return group + "/modlog";
    });

    /// <summary>The name of the open group members can join, for the group journeys.</summary>
    public async Task<string> GroupNameAsync()
    {
        await GroupUrlAsync();
        return GroupName;
    }

    /// <summary>A thread in the sample group, started by the admin.</summary>
    public Task<string> ThreadUrlAsync() => OnceAsync("thread-url", async () =>
    {
        await GroupUrlAsync();
        var token = await Accounts.TokenAsync(server, adminName);
        using var session = server.NewSession();
        var response = await session.PostJsonAsync($"/api/v1/groups/{GroupSlug}/threads", new
        {
            title = "What helps you on a bad morning?",
            content = "Mornings are the hardest for me. **What helps you?**",
            contentWarning = "panic attacks",
        }, token);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        var threadId = json.GetProperty("id").GetString();
        await PeerAnswersAsync(token, threadId!);
        return $"/threads/{threadId}";
    });

    /// <summary>
    /// Another member joins, answers twice and says "I hear you" to the thread; the admin says it to the first answer.
    /// So the admin's view of the thread has every state of the reaction controls: "Take back", "I hear you" and the
    /// count only the author sees.
    /// </summary>
    private async Task PeerAnswersAsync(string adminToken, string threadId)
    {
        var peer = await Accounts.RegisterAsync(server);
        var peerToken = await Accounts.TokenAsync(server, peer);
        using var session = server.NewSession();
        (await session.PostJsonAsync($"/api/v1/groups/{GroupSlug}/membership", new { }, peerToken)).EnsureSuccessStatusCode();
        var first = await session.PostJsonAsync($"/api/v1/threads/{threadId}/replies", new { content = "Mornings are hard for me too." }, peerToken);
        first.EnsureSuccessStatusCode();
        (await session.PostJsonAsync($"/api/v1/threads/{threadId}/replies", new { content = "Cold water on my face helps a little." }, peerToken)).EnsureSuccessStatusCode();
        await PutAsync(session, $"/api/v1/posts/{threadId}/reaction", peerToken);
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await PutAsync(session, $"/api/v1/posts/{firstId}/reaction", adminToken);
    }

    private static async Task PutAsync(WebSession session, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        (await session.Http.SendAsync(request)).EnsureSuccessStatusCode();
    }

    /// <summary>The admin's reply in the sample thread, as /posts/{id}.</summary>
    public Task<string> ReplyPostUrlAsync() => OnceAsync("reply-url", async () =>
    {
        var thread = await ThreadUrlAsync();
        var token = await Accounts.TokenAsync(server, adminName);
        using var session = server.NewSession();
        var response = await session.PostJsonAsync($"/api/v1{thread}/replies", new { content = "A slow breath and a cup of tea." }, token);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return $"/posts/{json.GetProperty("id").GetString()}";
    });

    /// <summary>A reply by another member in the sample thread (so both the member and the admin may report it), as its report form.</summary>
    public Task<string> ReportFormUrlAsync() => OnceAsync("report-form-url", async () =>
    {
        var thread = await ThreadUrlAsync();
        var peer = await Accounts.RegisterAsync(server);
        var peerToken = await Accounts.TokenAsync(server, peer);
        using var session = server.NewSession();
        (await session.PostJsonAsync($"/api/v1/groups/{GroupSlug}/membership", new { }, peerToken)).EnsureSuccessStatusCode();
        var response = await session.PostJsonAsync($"/api/v1{thread}/replies", new { content = "Try my miracle cure, link in bio." }, peerToken);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return $"/reports/new?post={json.GetProperty("id").GetString()}";
    });

    /// <summary>The reports page with one open report on it: the member reported the other member's reply (the admin owns the group).</summary>
    public Task<string> ReportsUrlAsync() => OnceAsync("reports-url", async () =>
    {
        var form = await ReportFormUrlAsync();
        var token = await Accounts.TokenAsync(server, memberName);
        using var session = server.NewSession();
        (await session.PostJsonAsync("/api/v1/reports", new { postId = form[(form.IndexOf('=', StringComparison.Ordinal) + 1)..], reason = "spam", comment = "An advert." }, token))
            .EnsureSuccessStatusCode();
        return "/reports";
    });
}
