using Kindred.Server.Web;
using System.Net;
using AngleSharp.Html.Dom;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Threads;

/// <summary>
/// A member writes a thread or a reply while their session ends (it expired, or they changed their password on another
/// device). Posting then asks them to sign in, keeps what they wrote, and after signing in they are back on the form
/// with their words in it: never an error page, never lost text.
/// </summary>
public abstract class SessionExpiryTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private const string Words = "I have not slept properly in weeks.\n\nSome nights are better than others.";

    private KindredTestServer Server => fixture.Server;

    /// <summary>The session cookie is gone, as when it expires: the browser keeps everything else (the form's token too).</summary>
    private void EndSession(WebSession web)
    {
        foreach (System.Net.Cookie cookie in web.Cookies.GetCookies(Server.BaseAddress))
        {
            if (cookie.Name is "kindred_session" or "__Host-kindred")
            {
                cookie.Expired = true;
            }
        }
    }

    private static string TextArea(WebSession.Page page, string id) => ((IHtmlTextAreaElement)page.Document.QuerySelector($"textarea#{id}")!).Value;

    private static string Input(WebSession.Page page, string id) => ((IHtmlInputElement)page.Document.QuerySelector($"input#{id}")!).Value;

    [Fact]
    public async Task A_thread_written_while_the_session_ended_is_back_in_its_form_after_signing_in()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);

        var compose = await member.Web.GetAsync($"/groups/{slug}/threads/new");
        EndSession(member.Web);
        var sent = await member.Web.SubmitAsync(compose, $"/groups/{slug}/threads", new Dictionary<string, string>
        {
            ["title"] = "Sleepless",
            ["content"] = Words.Replace("\n", "\r\n", StringComparison.Ordinal),
            ["contentWarning"] = "insomnia",
        });

        // Not a redirect to a POST-only address: a sign-in form that carries the words.
        Assert.Equal(HttpStatusCode.Unauthorized, sent.StatusCode);
        var signIn = await WebSession.ParseAsync(sent);
        Assert.Contains("signed out", signIn.Text("main"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(signIn.Form("/signin").QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>(), i => i.Value == Words);

        var back = await member.Web.SubmitAsync(signIn, "/signin", new Dictionary<string, string> { ["username"] = member.Name, ["password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        var form = await WebSession.ParseAsync(back);
        Assert.StartsWith("Start a thread", form.Text("h1"), StringComparison.Ordinal);
        Assert.Equal("Sleepless", Input(form, "title"));
        Assert.Equal("insomnia", Input(form, "contentWarning"));
        Assert.Equal(Words, TextArea(form, "content"));

        // The form works as it is: they are signed in and its token is theirs.
        var posted = await member.Web.SubmitAsync(form, $"/groups/{slug}/threads", new Dictionary<string, string>
        {
            ["title"] = Input(form, "title"),
            ["content"] = TextArea(form, "content"),
            ["contentWarning"] = Input(form, "contentWarning"),
        });
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var thread = await member.Web.FollowAsync(posted);
        Assert.Equal("Sleepless", thread.Text("h1"));
    }

    [Fact]
    public async Task A_reply_written_while_the_session_ended_is_back_in_its_form_answering_the_same_post()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug, "Evenings");
        var first = await rig.ReplyAsync(owner, thread, "Evenings are hard for me too.");
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);

        var compose = await member.Web.GetAsync($"/threads/{thread}/reply?to={first}");
        EndSession(member.Web);
        var sent = await member.Web.SubmitAsync(compose, $"/threads/{thread}/replies", new Dictionary<string, string> { ["content"] = Words });
        Assert.Equal(HttpStatusCode.Unauthorized, sent.StatusCode);

        var back = await member.Web.SubmitAsync(await WebSession.ParseAsync(sent), "/signin",
            new Dictionary<string, string> { ["username"] = member.Name, ["password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        var form = await WebSession.ParseAsync(back);
        Assert.Equal("Reply to Evenings", form.Text("h1"));
        Assert.Equal(Words, TextArea(form, "content"));
        Assert.Equal(first.ToString(), ((IHtmlInputElement)form.Document.QuerySelector("input[name=inReplyTo]")!).Value);

        var posted = await member.Web.SubmitAsync(form, $"/threads/{thread}/replies", new Dictionary<string, string> { ["content"] = TextArea(form, "content") });
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var replies = (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", owner.Token)).GetProperty("replies").GetProperty("items");
        Assert.Contains(replies.EnumerateArray(), r => r.GetProperty("content").GetString() == Words && r.GetProperty("inReplyTo").GetString() == first.ToString());
    }

    [Fact]
    public async Task A_wrong_password_keeps_the_words_for_the_next_try()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);

        var compose = await member.Web.GetAsync($"/groups/{slug}/threads/new");
        EndSession(member.Web);
        var sent = await member.Web.SubmitAsync(compose, $"/groups/{slug}/threads",
            new Dictionary<string, string> { ["title"] = "Kept", ["content"] = Words, ["contentWarning"] = "" });
        var wrong = await member.Web.SubmitAsync(await WebSession.ParseAsync(sent), "/signin",
            new Dictionary<string, string> { ["username"] = member.Name, ["password"] = "not my password" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var again = await WebSession.ParseAsync(wrong);
        Assert.Contains(again.Form("/signin").QuerySelectorAll("input[type=hidden]").OfType<IHtmlInputElement>(), i => i.Value == Words);

        var back = await member.Web.SubmitAsync(again, "/signin", new Dictionary<string, string> { ["username"] = member.Name, ["password"] = Accounts.Password });
        Assert.Equal(Words, TextArea(await WebSession.ParseAsync(back), "content"));
    }

    [Fact]
    public async Task An_expired_form_token_gives_the_words_back_but_a_post_from_elsewhere_gets_nothing()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);

        // Signed in, but the form's token no longer fits (e.g. the form was open for days): the form again, filled in.
        await owner.Web.GetAsync($"/groups/{slug}/threads/new");
        var stale = await owner.Web.Http.PostAsync($"/groups/{slug}/threads", new FormUrlEncodedContent(
            [new("__csrf", "CfDJ8-stale-token"), new("title", "Kept"), new("content", Words), new("contentWarning", "")]));
        Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        var form = await WebSession.ParseAsync(stale);
        Assert.Equal(Words, TextArea(form, "content"));
        Assert.Contains("expired", form.Text("[role=status]"), StringComparison.Ordinal);
        Assert.Empty((await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/threads", owner.Token)).GetProperty("items").EnumerateArray());

        // Without our antiforgery cookie (a page on another site posting here): the usual refusal, nothing shown back.
        using var stranger = new HttpClient { BaseAddress = Server.BaseAddress };
        var forged = await stranger.PostAsync($"/groups/{slug}/threads", new FormUrlEncodedContent([new("title", "Forged"), new("content", "forged words")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.DoesNotContain("forged words", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class SessionExpiryTestsOnSqlite(SqliteServer f) : SessionExpiryTests<SqliteServer>(f);

public sealed class SessionExpiryTestsOnPostgres(PostgresServer f) : SessionExpiryTests<PostgresServer>(f);
